"""The course's nbgrader extensions, wired in by nbgrader_config.py, so that plain
``nbgrader autograde``, ``nbgrader generate_feedback`` and the formgrader keep XP current.

- ``RepairSubmission``: before autograde's own sanitising, repair lost or duplicated metadata.
- ``CheckCellMetadataOnce``: nbgrader's CheckCellMetadata, the schema checked once per process.
- ``SandboxedExecute``: nbgrader's Execute, each kernel in the sandbox (stream_course.sandbox),
  killed after its last cell, a bound on what one cell may print.
- ``JudgeAnswers``: after the notebook ran, decide the hidden checks outside the kernel.
- ``RecordProgress``: after ``SaveAutoGrades`` in autograde, recompute the student's XP.
- ``ShortenTestTracebacks``: in generate_feedback, failing test cells show only their message.
- ``ShowProgressInFeedback``: in generate_feedback, recompute and put the lesson's XP and the
  student's level at the top of the feedback page.
- ``watch_manual_grades``: a SQLAlchemy listener; when a hand-graded score is committed (the
  formgrader's save), recompute that student's XP.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import traceback
from pathlib import Path

import nbformat
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import validator_for
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.api import Grade, Gradebook, MissingEntry
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata, Execute, NbGraderPreprocessor
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from traitlets import Integer, Unicode, default

from stream_course import batch_report
from stream_course.checks.record import ANSWERS_MIME, fingerprint
from stream_course.course import COURSE_ID
from stream_course.judge import AnswerKeyMissing, judge_cell
from stream_course.progress import ACHIEVEMENT_BY_KEY, next_level, xp_bar
from stream_course.progress_store import read_progress, update_progress
from stream_course.repair import repair_submission
from stream_course.sandbox import SandboxedKernelManager, SandboxError


class RepairSubmission(NbGraderPreprocessor):
    """First step of autograde: repair lost or duplicated cell metadata against the release
    (stream_course.repair), and note what was done in the autograded notebook's metadata."""

    release_directory = Unicode("release", help="the course's release/ folder").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        release_path = (
            Path(self.release_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
        )
        if not release_path.exists():
            self.log.warning("No released notebook at %s: submission not checked", release_path)
            return nb, resources
        notes = repair_submission(nb, nbformat.read(release_path, as_version=4))
        if notes:
            nb.metadata.setdefault("stream", {})["repairs"] = notes
            for note in notes:
                self.log.warning("%s/%s: %s", info["student"], info["assignment"], note)
                batch_report.flag(info["student"], info["assignment"], f"repaired: {note}")
        return nb, resources


class _SchemaCheckedOnce(BaseMetadataValidator):
    """Cell metadata validated as ``jsonschema.validate`` does (same errors), minus its check of
    the schema itself on every call: that was 0.23 s of each autograded notebook (two passes of
    33 cells)."""

    _validators: dict[int, object] = {}  # schema version -> validator, schema checked

    def validate_cell(self, cell: NotebookNode) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nothing to check, or nbgrader's version error
        if self.schema_version not in self._validators:
            cls = validator_for(self.schema)
            cls.check_schema(self.schema)
            self._validators[self.schema_version] = cls(self.schema)
        error = best_match(self._validators[self.schema_version].iter_errors(meta))
        if error is not None:
            raise error


class _MetadataValidator(MetadataValidatorV3, _SchemaCheckedOnce):
    """nbgrader's current validator; its per-cell schema check goes to _SchemaCheckedOnce."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's CheckCellMetadata (autograde runs it in both passes), with _MetadataValidator."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        try:
            _MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            raise ValidationError(
                "Notebook failed to validate; the nbgrader metadata may be corrupted."
            ) from None
        return nb, resources


class JudgeAnswers(NbGraderPreprocessor):
    """Right after the student's notebook ran: decide every hidden test cell here, in the
    grader's process with its own model and the lesson's answer key (stream_course.judge), from
    the answers the cell recorded. A test cell whose answers fail, or are missing, gets an error
    output, which nbgrader's SaveAutoGrades scores 0."""

    source_directory = Unicode(
        "source", help="the course's source/ folder, where each lesson's answer key lives"
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        self._student_cells = {
            cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in nb.cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
        }
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


class RecordProgress(NbGraderPreprocessor):
    """Store the student's XP, level and achievements right after their grades are saved."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        standing = update_progress(info["db_url"], info["student"])
        self.log.info(
            "XP of %s is now %d (level %d)", info["student"], standing.xp, standing.level.number
        )
        return nb, resources


class ShowProgressInFeedback(NbGraderPreprocessor):
    """Put the XP earned in this lesson and the level reached at the top of the feedback."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        standing = update_progress(info["db_url"], info["student"])
        progress = read_progress(info["db_url"])["students"][info["student"]]
        lesson = next(r for r in standing.lessons if r.assignment == info["assignment"])
        level, upcoming = standing.level, next_level(standing.xp)
        names = [ACHIEVEMENT_BY_KEY[a["key"]] for a in progress["achievements"]]
        badges = ", ".join(f"{a.name} / {a.korean}" for a in names) or "none yet / 아직 없음"
        waiting = (
            "\n\n*Some answers are still to be graded by hand; XP will grow when they are. / "
            "아직 수동 채점이 끝나지 않은 답안이 있습니다. 채점이 끝나면 XP가 늘어납니다.*"
            if lesson.pending_manual
            else ""
        )
        to_next = f" · next / 다음: {upcoming.name} at {upcoming.min_xp} XP" if upcoming else ""
        text = (
            f"### Progress / 진행 상황\n\n"
            f"**XP earned in this lesson / 이 레슨에서 얻은 XP: {lesson.xp} XP** "
            f"({lesson.points:g} / {lesson.max_points:g} points / 점"
            f"{f', +{lesson.bonus} bonus / 보너스' if lesson.bonus else ''})\n\n"
            f"**Level {level.number} — {level.name} / 레벨 {level.number} — {level.korean}**"
            f"{to_next}\n\n`{xp_bar(standing.xp)}`\n\n"
            f"Achievements / 업적: {badges}{waiting}"
        )
        cell = new_markdown_cell(text)
        cell.metadata["stream"] = {"progress": True}
        nb.cells.insert(0, cell)
        return nb, resources


class ShortenTestTracebacks(NbGraderPreprocessor):
    """In feedback, a failing test cell shows its message, not a traceback: IPython's traceback
    quotes the cell's source, hidden test lines included."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


def _recompute_after_manual_grades(session: Session) -> None:
    grade_ids = session.info.pop("stream_manual_grades", set())
    if not grade_ids:
        return
    url = session.get_bind().url.render_as_string(hide_password=False)
    with Gradebook(url, course_id=COURSE_ID) as gradebook:
        students = {
            gradebook.db.get(Grade, grade_id).notebook.assignment.student.id
            for grade_id in grade_ids
        }
    for student in sorted(students):
        update_progress(url, student)


def _collect_manual_grades(session: Session, flush_context) -> None:
    for obj in session.dirty | session.new:
        if isinstance(obj, Grade) and inspect(obj).attrs.manual_score.history.has_changes():
            session.info.setdefault("stream_manual_grades", set()).add(obj.id)


def watch_manual_grades() -> None:
    """Recompute XP whenever a session commits a changed hand-graded score (idempotent)."""
    if not event.contains(Session, "after_flush", _collect_manual_grades):
        event.listen(Session, "after_flush", _collect_manual_grades)
        event.listen(Session, "after_commit", _recompute_after_manual_grades)


class SandboxedExecute(Execute):
    """nbgrader's Execute, with every kernel started by ``SandboxedKernelManager``, a bound on
    what one cell may print, and the reason a run failed told to the batch report."""

    max_output_bytes = Integer(
        1_000_000, help="output one cell may keep; more is dropped, with a note"
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    @default("shutdown_kernel")
    def _default_shutdown_kernel(self):
        # The sandbox, and all a kernel left in it, is thrown away after the last cell: a graceful
        # shutdown (ipykernel tearing down torch: ~1.4 s a submission, measured) buys nothing.
        return "immediate"

    def preprocess(self, nb, resources=None, km=None):
        info = (resources or {}).get("nbgrader", {})
        who = info.get("student", "?"), info.get("assignment", "?")
        self._printed, self._cut = {}, set()
        try:
            nb, resources = super().preprocess(nb, resources, km=km)
        except SandboxError as error:  # the grader's environment, not the student's answer
            environment_failure(info, f"the sandbox could not start: {error}")
        except Exception as error:
            batch_report.fail(*who, _failure_reason(error, self.timeout))
            raise
        failure = setup_failure(nb)
        if failure:
            environment_failure(info, failure)
        for index, cell in enumerate(nb.cells):
            if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
                batch_report.flag(*who, f"{_cell_name(nb, index)} stopped after {self.timeout} s")
        for index in sorted(self._cut):
            batch_report.flag(
                *who, f"{_cell_name(nb, index)} printed over {self.max_output_bytes:,} bytes"
            )
        return nb, resources

    def output(self, outs, msg, display_id, cell_index):
        # The kernel is untrusted: bound what it can make the grader keep (memory, notebook size).
        # Recorded answers are exempt here; JudgeAnswers bounds their size.
        if ANSWERS_MIME not in msg.get("content", {}).get("data", {}):
            size = len(json.dumps(msg.get("content", {})))
            printed = self._printed.get(cell_index, 0) + size
            self._printed[cell_index] = printed
            if printed > self.max_output_bytes:
                if cell_index not in self._cut:  # stdout: stderr text is dropped by IgnorePattern
                    self._cut.add(cell_index)
                    note = OUTPUT_CUT.format(limit=f"{self.max_output_bytes:,}")
                    outs.append(new_output("stream", name="stdout", text=note))
                return None
        return super().output(outs, msg, display_id, cell_index)


OUTPUT_CUT = (
    "\n... output cut: a cell may print at most {limit} bytes when graded / "
    "채점 중 한 셀의 출력은 {limit} 바이트까지만 남깁니다 ...\n"
)


class EnvironmentFailure(RuntimeError):
    """The instructor's set-up failed (a package, the model): no student answer was graded."""


def setup_failure(nb: NotebookNode) -> str | None:
    """What went wrong if a locked cell failed before any student code ran (the setup cell's
    imports, the model): then the grading environment is broken, not the student's answer."""
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if not meta.get("locked") or meta.get("solution"):
            return None  # student code ran from here on: later errors are the student's
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"{_cell_name(nb, index)} raised {output.ename}: {output.evalue}"[:300]
    return None


def environment_failure(info: dict, reason: str) -> None:
    """Fail this submission without a grade (a new submission leaves no zero in the gradebook),
    and stop the batch when its first submissions all fail this way."""
    student, assignment = info.get("student", "?"), info.get("assignment", "?")
    if info.get("db_url"):
        with Gradebook(info["db_url"], course_id=COURSE_ID) as gradebook:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                submission = None
            graded = submission is not None and any(
                grade.auto_score is not None or grade.manual_score is not None
                for notebook in submission.notebooks
                for grade in notebook.grades
            )
            if submission is not None and not graded:
                gradebook.remove_submission(assignment, student)
    batch_report.environment_failure(student, assignment, reason)
    raise EnvironmentFailure(f"environment: {reason}")


def _cell_name(nb, index: int) -> str:
    grade_id = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index} ({grade_id})" if grade_id else f"cell {index}"


def _failure_reason(error: Exception, timeout: int) -> str:
    name = type(error).__name__
    if name in ("DeadKernelError", "UnresponsiveKernelError"):
        return f"the kernel died or stopped answering ({name}: memory, a kill, or a crash)"
    if name in ("CellTimeoutError", "TimeoutError") or "Timeout" in str(error):
        return f"a cell ran past the {timeout} s limit and could not be interrupted"
    if isinstance(error, SandboxError):
        return "the sandbox could not start (see the error above)"
    first = (str(error).strip().splitlines() or [""])[0][:120]
    return f"{name}: {first}"
