"""Hidden tests, the grader's half: decide each hidden test cell outside the student's kernel.

The lesson is the assignment being graded and the part is the test cell's nbgrader grade_id;
a recording that names another lesson or part, or comes in the wrong number, scores 0 and is
flagged. The part's cases are built again here from the same seeds with the grader's own model,
the references come from the lesson's answer key (source/<assignment>/answer_key.py, which no
student installs or sees), and the recorded answers are compared with the lesson's tolerances.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from stream_course.checks import forbidden
from stream_course.checks.record import ANSWERS_MIME, MAX_PAYLOAD, fingerprint, outcomes, thaw
from stream_course.checks.toolkit import say
from stream_course.grader import batch_report
from stream_course.grader.execute import environment_failure
from stream_course.lessons import Lesson, lesson

ANSWER_KEY = "answer_key.py"
_keys: dict[Path, tuple[float, ModuleType]] = {}
# A part's cases, built once per grading process for all the notebooks of a batch: the same
# seeds and the same model give the same cases (the most recent parts only: they hold tensors).
_cases: OrderedDict[tuple, tuple] = OrderedDict()
CASES_KEPT = 8


class AnswerKeyMissing(RuntimeError):
    """The grader cannot find a lesson's answer key: the instructor's set-up, not the student."""


def load_answer_key(source_directory: Path, assignment: str) -> ModuleType:
    """The lesson's answer key, loaded once per grading process (again if the file changes)."""
    path = (Path(source_directory) / assignment / ANSWER_KEY).resolve()
    if not path.exists():
        raise AnswerKeyMissing(
            f"no answer key at {path}: hidden tests cannot be judged. Grade in the course "
            f"directory that holds source/{assignment}/{ANSWER_KEY}."
        )
    stamp = path.stat().st_mtime
    kept = _keys.get(path)
    if kept is None or kept[0] != stamp:
        name = f"stream_answer_key_{assignment}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        spec.loader.exec_module(module)
        kept = _keys[path] = (stamp, module)
    return kept[1]


def cases_of(assignment: str, grade_id: str, part, model, tokenizer) -> list:
    """``part.cases(model, tokenizer)``, kept for the next notebook judged with the same model.
    Judges only read cases (hints get copies), so one list serves every submission."""
    key = (assignment, grade_id, id(model), id(tokenizer))
    if key not in _cases:
        # The model and tokenizer are kept with the cases, so that their ids stay theirs.
        _cases[key] = (model, tokenizer, part.cases(model, tokenizer))
        while len(_cases) > CASES_KEPT:
            _cases.popitem(last=False)
    _cases.move_to_end(key)
    return _cases[key][2]


@dataclass
class Verdict:
    failure: str | None = None  # the bilingual message; None when every check passed
    flags: list[str] = field(default_factory=list)  # for the instructor (batch summary)


def judge_cell(
    assignment: str,
    grade_id: str,
    payloads: list[dict],
    expected: int,
    student_cells: dict[str, str],
    model,
    tokenizer,
    source_directory: Path,
    given_cells: Sequence[str] = (),
) -> Verdict:
    """Decide one hidden test cell. ``student_cells`` maps the grade_id of each solution cell,
    and a label for each cell the student added, to its submitted source, and ``given_cells``
    holds the notebook's other code cells (for the write-it-yourself rule)."""
    found = lesson(assignment)
    part = found.parts.get(grade_id)
    if part is None:
        return Verdict(
            say(f"{grade_id} is not a test of {assignment}.", "알 수 없는 테스트입니다.")
        )
    if len(payloads) != expected:
        return Verdict(
            say(
                f"{expected} hidden check(s) should have recorded answers, {len(payloads)} did.",
                "숨은 테스트가 답을 모두 기록하지 못했습니다.",
            ),
            [
                f"{grade_id}: {len(payloads)} recordings where the checks make {expected} "
                "(tampering or cut output?)"
            ],
        )
    verdict = Verdict()
    for payload in payloads:
        claimed = (payload.get("lesson"), payload.get("part"))
        if claimed != (assignment, grade_id):
            verdict.flags.append(f"{grade_id}: a recording claims {claimed[1]} of {claimed[0]}")
            verdict.failure = say(
                f"the recorded answers are for {claimed[1]} of {claimed[0]}, not for this cell.",
                "기록된 답이 이 셀의 것이 아닙니다.",
            )
            return verdict
        if len(json.dumps(payload)) > MAX_PAYLOAD:
            verdict.failure = say("recorded answers too large.", "기록된 답이 너무 큽니다.")
            return verdict
    verdict.failure = _written_by_hand(
        found, part.answers, student_cells, given_cells, grade_id, verdict
    )
    if verdict.failure:
        return verdict
    key = load_answer_key(source_directory, assignment)
    for payload in payloads:
        try:
            answers = {name: thaw(value) for name, value in payload["values"].items()}
            cases = []
            if part.calls is not None:
                cases = cases_of(assignment, grade_id, part, model, tokenizer)
                answers[part.calls] = outcomes(payload)
                if len(answers[part.calls]) != len(cases):
                    raise ValueError("recorded calls do not match the cases")
            with contextlib.redirect_stdout(io.StringIO()):
                key.JUDGES[grade_id](answers, cases, model, tokenizer)
        except AssertionError as failure:
            verdict.failure = str(failure)
        except Exception as error:  # a malformed or forged recording: no points, and say why
            verdict.failure = say(
                f"the recorded answers could not be checked ({type(error).__name__}: {error}).",
                "기록된 답을 확인할 수 없습니다.",
            )
            verdict.flags.append(f"{grade_id}: unreadable recording ({type(error).__name__})")
        if verdict.failure:
            break
    return verdict


def _written_by_hand(
    found: Lesson,
    names,
    student_cells: dict[str, str],
    given_cells: Sequence[str],
    grade_id: str,
    verdict: Verdict,
) -> str | None:
    for name in names:
        if name not in student_cells:
            continue
        others = [src for gid, src in student_cells.items() if gid != name]
        course = forbidden.course_uses(name, student_cells[name], [*given_cells, *others])
        if course:
            verdict.flags.append(f"{grade_id}: {name} uses the course's code: {course[0]}")
            return say(*forbidden.course_message(name, course))
        banned = found.written_by_hand.get(name)
        if not banned:
            continue
        findings = forbidden.scan(forbidden.answer_source(student_cells[name], others), banned)
        if findings.suspicious:
            verdict.flags.append(
                f"{grade_id}: read {name} by hand: " + ", ".join(findings.suspicious[:3])
            )
        if findings.uses:
            verdict.flags.append(f"{grade_id}: {name} calls {', '.join(findings.uses[:3])}")
            return say(*forbidden.message(name, findings.uses))
    return None


class JudgeAnswers(NbGraderPreprocessor):
    """Right after the student's notebook ran: decide every hidden test cell here, in the
    grader's process with its own model and the lesson's answer key (stream_course.grader.judge), from
    the answers the cell recorded. A test cell whose answers fail, or are missing, gets an error
    output, which nbgrader's SaveAutoGrades scores 0."""

    source_directory = Unicode(
        "source", help="the course's source/ folder, where each lesson's answer key lives"
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        self._student_cells = {
            cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in code
            if cell.metadata.get("nbgrader", {}).get("solution")
        }
        # Cells a student added (no nbgrader metadata) may hold an import or alias an answer uses.
        added = [cell.source for cell in code if not cell.metadata.get("nbgrader")]
        self._student_cells.update({f"(added cell {n})": src for n, src in enumerate(added, 1)})
        # The notebook's own cells (set-up, self-checks) bind the course's modules an answer
        # might reach into.
        self._given_cells = [
            cell.source
            for cell in code
            if cell.metadata.get("nbgrader") and not cell.metadata["nbgrader"].get("solution")
        ]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        meta = cell.metadata.get("nbgrader", {})
        expected = cell.source.count("check.collect(") if cell.cell_type == "code" else 0
        if not (meta.get("grade") and not meta.get("solution") and expected):
            return cell, resources
        payloads = [o.data[ANSWERS_MIME] for o in cell.outputs if ANSWERS_MIME in o.get("data", {})]
        cell.outputs = [o for o in cell.outputs if ANSWERS_MIME not in o.get("data", {})]
        if any(o.output_type == "error" for o in cell.outputs):
            return cell, resources  # already failed in the kernel
        info = resources["nbgrader"]
        model, tokenizer = trusted_model()
        try:
            verdict = judge_cell(
                info["assignment"],
                meta.get("grade_id"),
                payloads,
                expected,
                self._student_cells,
                model,
                tokenizer,
                Path(self.source_directory),
                given_cells=self._given_cells,
            )
        except AnswerKeyMissing as error:
            environment_failure(info, str(error))
        for flag in verdict.flags:
            batch_report.flag(info["student"], info["assignment"], flag)
        if verdict.failure is None:
            cell.outputs.append(
                new_output(
                    "stream", name="stdout", text="✓ hidden checks passed / 숨은 테스트 통과\n"
                )
            )
        else:
            cell.outputs.append(
                new_output(
                    "error",
                    ename="AssertionError",
                    evalue=verdict.failure,
                    traceback=[f"AssertionError: {verdict.failure}"],
                )
            )
        return cell, resources


# The grader's model, loaded once per grading process (nbgrader makes new preprocessors for every
# notebook): name -> (model, tokenizer, fingerprint of its embedding table).
_trusted_models: dict[str | None, tuple] = {}


def trusted_model():
    """``load_model()`` for the judge, kept between notebooks. Judging never changes the model;
    should anything have changed its embedding table all the same, it is loaded again."""
    from stream_course.models import MODEL_ENV, load_model

    name = os.environ.get(MODEL_ENV)
    kept = _trusted_models.get(name)
    if kept is not None:
        model, tokenizer, table = kept
        if fingerprint(model.get_input_embeddings().weight) == table:
            return model, tokenizer
    with contextlib.redirect_stdout(io.StringIO()):
        model, tokenizer = load_model()
    _trusted_models[name] = (model, tokenizer, fingerprint(model.get_input_embeddings().weight))
    return model, tokenizer
