"""The summary that ends every ``nbgrader autograde``: who was graded, who was flagged and why,
whose submission could not be graded and why.

nbgrader calls ``Autograde.pre_convert_hook`` before each submission and ``post_convert_hook``
after one that was graded (nbgrader_config.py sets both). The course's preprocessors add flags
(repairs, cut output, missing recordings) and the reason a run failed (timeout, dead kernel).
nbgrader has no end-of-batch hook, so the summary is printed when the process exits; a
submission that started and never finished is "failed", with the reason we know.
"""

from __future__ import annotations

import atexit
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# A batch whose first submissions all fail the same way in the instructor's set-up stops there.
STOP_AFTER = 3


class BatchStopped(KeyboardInterrupt):
    """Raised through nbgrader (which re-raises KeyboardInterrupt after cleaning up the current
    submission) to end a batch that would only fail every submission."""


@dataclass
class Outcome:
    notebooks: list[str]
    graded: bool = False
    flags: list[str] = field(default_factory=list)
    failure: str | None = None
    environment: bool = False  # failed in the instructor's set-up: not graded, no zero


@dataclass
class BatchReport:
    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    stopped: str | None = None

    def outcome(self, student: str, lesson: str) -> Outcome:
        return self.outcomes.setdefault((student, lesson), Outcome(notebooks=[]))

    def summary(self) -> str:
        graded = [k for k, o in self.outcomes.items() if o.graded]
        flagged = [k for k in graded if self.outcomes[k].flags]
        failed = [k for k, o in self.outcomes.items() if not o.graded]
        lines = [
            f"Autograde summary / 자동 채점 요약: {len(graded)} graded / 채점됨, "
            f"{len(flagged)} flagged / 확인 필요, {len(failed)} failed / 실패"
        ]
        for student, lesson in sorted(flagged):
            for flag in self.outcomes[student, lesson].flags:
                lines.append(f"  FLAGGED {student} {lesson}: {flag}")
        for student, lesson in sorted(failed):
            outcome = self.outcomes[student, lesson]
            reason = self._failure_reason(outcome)
            if outcome.environment:
                lines.append(
                    f"  FAILED  {student} {lesson}: {reason} (not graded, no zero: fix the "
                    "grading environment and run autograde again / 채점 환경 문제로 채점하지 않음)"
                )
            else:
                lines.append(f"  FAILED  {student} {lesson}: {reason} (scored 0 / 0점)")
        if self.stopped:
            lines.append(self.stopped)
        return "\n".join(lines)

    @staticmethod
    def _failure_reason(outcome: Outcome) -> str:
        if outcome.failure:
            return outcome.failure
        for path in outcome.notebooks:
            try:
                nbformat.read(path, as_version=4)
            except Exception as error:  # what nbgrader tripped on, in one line
                first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
                return f"not a readable notebook ({first_line[:120]})"
        return "grading stopped with an error; see the log above"


REPORT = BatchReport()
_printing = False


def _submission(notebooks) -> tuple[str, str] | None:
    """(student, lesson) from nbgrader's source paths: .../submitted/<student>/<lesson>/<nb>.ipynb"""
    for notebook in notebooks or []:
        parts = Path(notebook).parts
        if len(parts) >= 3:
            return parts[-3], parts[-2]
    return None


def before_submission(assignment=None, student=None, notebooks=None) -> None:
    """``Autograde.pre_convert_hook``: a submission is about to be graded."""
    global _printing
    key = _submission(notebooks)
    if key is None:
        return
    outcome = REPORT.outcome(*key)
    outcome.notebooks, outcome.graded, outcome.failure = list(notebooks), False, None
    outcome.flags.clear()
    if not _printing:
        _printing = True
        atexit.register(print_summary)


def after_submission(assignment=None, student=None, notebooks=None) -> None:
    """``Autograde.post_convert_hook``: the submission was graded and saved."""
    key = _submission(notebooks)
    if key is not None:
        REPORT.outcome(*key).graded = True


def flag(student: str, lesson: str, reason: str) -> None:
    """Graded, but an instructor should look: ``reason`` says why."""
    flags = REPORT.outcome(student, lesson).flags
    if reason not in flags:
        flags.append(reason)


def fail(student: str, lesson: str, reason: str) -> None:
    """Why this submission's run could not finish (it is scored 0)."""
    REPORT.outcome(student, lesson).failure = reason


def environment_failure(student: str, lesson: str, reason: str) -> None:
    """This submission failed in the instructor's set-up. When the batch's first ``STOP_AFTER``
    submissions all failed so, for the same reason, raise ``BatchStopped``."""
    outcome = REPORT.outcome(student, lesson)
    outcome.failure, outcome.environment = f"environment: {reason}", True
    first = list(REPORT.outcomes.values())[:STOP_AFTER]
    if len(first) == STOP_AFTER and all(o.environment for o in first):
        if len({o.failure for o in first}) == 1:
            REPORT.stopped = (
                f"  STOPPED / 중단: the first {STOP_AFTER} submissions all failed in the instructor's "
                f"set-up ({reason}). Nothing was graded from there on. Fix the grading "
                "environment, then run autograde again. / 처음 제출물들이 모두 같은 채점 환경 "
                "오류로 실패해 채점을 멈췄습니다. 환경을 고친 뒤 다시 실행하세요."
            )
            raise BatchStopped(REPORT.stopped)


def print_summary() -> None:
    if REPORT.outcomes:
        print(REPORT.summary(), file=sys.stderr, flush=True)
        REPORT.outcomes.clear()
