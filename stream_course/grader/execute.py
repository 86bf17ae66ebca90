"""Running the student's notebook: nbgrader's ``Execute`` with every kernel in the sandbox
(stream_course.grader.sandbox), killed after its last cell, a bound on what one cell may print,
and the reason a run failed told to the batch report. A failure of the instructor's own set-up
is an environment failure: no grade, no zero, and a batch that only fails stops."""

from __future__ import annotations

import json

from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute
from traitlets import Integer, default

from stream_course.checks.record import ANSWERS_MIME
from stream_course.course import COURSE_ID
from stream_course.grader import batch_report
from stream_course.grader.sandbox import SandboxedKernelManager, SandboxError


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
    first = (str(error).strip().splitlines() or [""])[0][:120]
    return f"{name}: {first}"
