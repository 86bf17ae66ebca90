"""A lesson's last cell: every self-check at once, what to fix, and a local XP preview.

``check_lesson(1, globals())`` runs the visible checks of each exercise (the same ones as under
each exercise) on the student's answers, shows one bilingual line per exercise and an XP bar, and
keeps the result in the user's data folder (platformdirs), so that later lessons can show the
track so far. Nothing leaves the machine. It is a preview: hidden tests and hand-graded answers are
decided by the instructor's autograder, and the gradebook is what counts. On Colab, where
nbgrader's Validate button does not exist, this cell is the self-check.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from stream_course.checks.toolkit import GRADING
from stream_course.progress import XP_PER_POINT, level_for, next_level, xp_bar

APP = "stream-course"


@dataclass
class ExerciseCheck:
    name: str
    points: int
    passed: bool
    message: str  # what to fix, both languages ("" when passed)


@dataclass
class LessonCheck:
    lesson: int
    exercises: list[ExerciseCheck]
    checked_at: str

    @property
    def points(self) -> int:
        return sum(e.points for e in self.exercises if e.passed)

    @property
    def max_points(self) -> int:
        return sum(e.points for e in self.exercises)

    @property
    def xp_preview(self) -> int:
        return self.points * XP_PER_POINT


def progress_file() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "progress.json"


def run_checks(lesson: int, namespace: dict) -> LessonCheck:
    """Each exercise's visible checks, on the names the student defined in ``namespace``."""
    from stream_course.lessons import lesson as find_lesson

    results = []
    for name, points, needs, check in (
        (e.name, e.points, e.needs, e.check) for e in find_lesson(lesson).exercises
    ):
        missing = [n for n in needs if n not in namespace]
        if missing:
            results.append(
                ExerciseCheck(
                    name,
                    points,
                    False,
                    f"not defined yet: {', '.join(missing)} — run the cells above first / "
                    f"아직 정의되지 않았습니다: {', '.join(missing)} — 위의 셀을 먼저 실행하세요",
                )
            )
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check(*(namespace[n] for n in needs))
            results.append(ExerciseCheck(name, points, True, ""))
        except AssertionError as failure:
            results.append(ExerciseCheck(name, points, False, str(failure).strip()))
        except Exception as error:  # the student's code raised: say what, not a traceback
            results.append(
                ExerciseCheck(name, points, False, f"{type(error).__name__}: {error}".strip())
            )
    return LessonCheck(lesson, results, datetime.now(UTC).isoformat(timespec="seconds"))


def save(result: LessonCheck, path: Path | None = None) -> Path | None:
    """Keep the latest check of each lesson in the user's data folder; None if it cannot."""
    path = path or progress_file()
    try:
        saved = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        saved = {}  # unreadable: start again rather than stop the lesson
    saved[f"{result.lesson:02d}"] = {
        **asdict(result),
        "points": result.points,
        "max_points": result.max_points,
        "xp_preview": result.xp_preview,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=2, ensure_ascii=False))
    except OSError:
        return None
    return path


def track_xp(path: Path | None = None) -> int:
    """XP preview over every lesson checked on this machine."""
    path = path or progress_file()
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0
    return sum(int(lesson.get("xp_preview", 0)) for lesson in saved.values())


class SelfCheckView:
    """Shown by Jupyter as HTML (an XP bar), elsewhere as text."""

    def __init__(self, result: LessonCheck, total_xp: int, saved_to: Path | None):
        self.result, self.total_xp, self.saved_to = result, total_xp, saved_to

    def _lines(self) -> list[tuple[bool, str, str]]:
        return [(e.passed, f"{e.name} ({e.points} pt)", e.message) for e in self.result.exercises]

    def __repr__(self) -> str:
        result = self.result
        lines = [f"Lesson {result.lesson:02d} self-check / 자가 점검"]
        for passed, label, message in self._lines():
            lines.append(f"{'✓' if passed else '✗'} {label}")
            if message:
                lines += [f"    {line}" for line in message.splitlines()]
        lines.append(
            f"Checks passed / 통과: {sum(p for p, _, _ in self._lines())} / {len(self._lines())}"
            f" · XP preview / 예상 XP: {result.xp_preview} · track / 전체: {xp_bar(self.total_xp)}"
        )
        lines.append(NOTE)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        result = self.result
        level, upcoming = level_for(self.total_xp), next_level(self.total_xp)
        top = upcoming.min_xp if upcoming else max(self.total_xp, 1)
        rows = "".join(
            f"<li class='{'pass' if passed else 'fail'}'>{'✓' if passed else '✗'} "
            f"{html.escape(label)}"
            + (f"<pre>{html.escape(message)}</pre>" if message else "")
            + "</li>"
            for passed, label, message in self._lines()
        )
        passed = sum(p for p, _, _ in self._lines())
        return (
            "<div class='stream-self-check'>"
            f"<h4>Lesson {result.lesson:02d} self-check / 자가 점검</h4><ul>{rows}</ul>"
            f"<p>Checks passed / 통과: <b>{passed} / {len(self._lines())}</b> · "
            f"XP preview / 예상 XP: <b>{result.xp_preview}</b></p>"
            f"<p>Level {level.number} — {html.escape(level.name)} / 레벨 {level.number} — "
            f"{html.escape(level.korean)}: "
            f"<progress class='stream-xp' value='{self.total_xp}' max='{top}'></progress> "
            f"{self.total_xp} / {top} XP</p>"
            f"<p><small>{html.escape(NOTE)}</small></p></div>"
        )


NOTE = (
    "Progress is local-only: kept on this machine, never sent anywhere. Your instructor's "
    "gradebook (hidden tests, hand-graded answers) is what counts. / 진행 상황은 이 컴퓨터에만 "
    "저장되며 어디로도 전송되지 않습니다. 성적은 강사의 gradebook(숨은 테스트, 수동 채점)이 기준입니다."
)


GRADING_NOTE = (
    "Self-check skipped while grading: the hidden tests decide, and your feedback shows the "
    "scores. / 채점 중이라 자가 점검을 건너뜁니다. 점수는 숨은 테스트가 정하며 피드백에 나옵니다."
)


class GradingNote:
    def __repr__(self) -> str:
        return GRADING_NOTE


def check_lesson(lesson: int, namespace: dict) -> SelfCheckView | GradingNote:
    """Run, save and show a lesson's self-check (the lesson's last cell). Under the autograder
    (STREAM_GRADING, set by stream_course.grader.sandbox) it only says so: the hidden tests have decided,
    a preview would only repeat the visible checks (~0.5 s a notebook) and could contradict them."""
    if os.environ.get(GRADING):
        return GradingNote()
    result = run_checks(lesson, namespace)
    saved_to = save(result)
    return SelfCheckView(result, track_xp(), saved_to)
