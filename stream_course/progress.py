"""XP, levels and achievements: every rule in one place (the README's table mirrors this file).

- XP: each point earned is worth ``XP_PER_POINT``, autograded or graded by hand. A part's points
  count at most once and never above its maximum, however often a lesson is resubmitted.
- Bonus: ``LESSON_BONUS`` XP for a lesson with every point earned (hand-graded parts included).
- A lesson is *done* when at least ``DONE_FRACTION`` of its points are earned.
- Levels: ``LEVELS`` below; the top level needs about the whole 12-lesson track.
- Achievements: ``ACHIEVEMENTS`` below; each is decided from grades and submission times only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from stream_course import lessons as registry
from stream_course.lessons import TRACK_LENGTH as TRACK_LESSONS

XP_PER_POINT = 10
LESSON_BONUS = 30
DONE_FRACTION = 0.6


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    korean: str
    min_xp: int


# Lesson 01 is worth 11 points x 10 + 30 = 140 XP, the others 70-130 XP: the twelve lessons
# about 1,490 XP (tests/test_progress.py adds them up from the lessons themselves).
LEVELS = (
    Level(0, "Token", "토큰", 0),
    Level(1, "Embedding", "임베딩", 120),
    Level(2, "Position", "위치", 250),
    Level(3, "Attention", "어텐션", 390),
    Level(4, "Multi-head", "멀티헤드", 540),
    Level(5, "MLP", "MLP", 700),
    Level(6, "Residual stream", "잔차 스트림", 870),
    Level(7, "LayerNorm", "LayerNorm", 1050),
    Level(8, "Transformer block", "트랜스포머 블록", 1230),
    Level(9, "GPT-2", "GPT-2", 1400),
)


@dataclass(frozen=True)
class Achievement:
    key: str
    name: str
    korean: str
    rule: str
    rule_korean: str


ACHIEVEMENTS = (
    Achievement(
        "first_submission",
        "First steps",
        "첫걸음",
        "a lesson submitted and autograded",
        "레슨 하나를 제출해 자동 채점을 받음",
    ),
    Achievement(
        "first_try",
        "First try",
        "한 번에 통과",
        "every autograded test of a lesson passed on its first submission",
        "첫 제출에서 레슨의 자동 채점 테스트를 모두 통과",
    ),
    Achievement(
        "perfect_lesson",
        "Flawless",
        "완벽",
        "every point of a lesson, hand-graded answers included",
        "수동 채점을 포함해 레슨의 모든 점수를 받음",
    ),
    Achievement(
        "on_time",
        "Early bird",
        "마감 전 제출",
        "a lesson with a due date submitted before it",
        "마감일이 있는 레슨을 마감 전에 제출",
    ),
    Achievement(
        "reflective",
        "Reflective",
        "성찰",
        "full marks on a lesson's hand-graded answers",
        "레슨의 수동 채점 답안에서 만점",
    ),
    Achievement(
        "streak_3",
        "Streak",
        "3연속",
        "three lessons in a row done (e.g. 01, 02, 03)",
        "연속된 레슨 3개 완료 (예: 01, 02, 03)",
    ),
    Achievement("perfect_3", "Hat trick", "해트트릭", "three flawless lessons", "완벽한 레슨 3개"),
    Achievement(
        "own_attention",
        "Attention by hand",
        "손으로 만든 어텐션",
        "Lesson 06 done: causal self-attention written from scratch",
        "레슨 06 완료: causal self-attention을 처음부터 직접 작성",
    ),
    Achievement("halfway", "Halfway", "반환점", "six lessons done", "레슨 6개 완료"),
    Achievement("level_5", "Deep stack", "깊은 층", "level 5 reached", "레벨 5 달성"),
    Achievement(
        "forward_pass",
        "First forward pass",
        "첫 forward pass",
        "Lesson 12 done: GPT-2 run and decoded from its weights alone",
        "레슨 12 완료: 가중치만으로 GPT-2를 실행하고 문장을 생성",
    ),
    Achievement(
        "whole_track", "Whole track", "완주", "all twelve lessons done", "레슨 12개 모두 완료"
    ),
)
# Achievements earned by finishing one lesson of the track: key -> the lesson's slug.
MILESTONES = {"own_attention": "attention_output", "forward_pass": "decoding"}
ACHIEVEMENT_BY_KEY = {a.key: a for a in ACHIEVEMENTS}


def xp_for_points(points: float) -> int:
    """XP for a number of earned points (autograded and hand-graded alike)."""
    return round(points * XP_PER_POINT)


def lesson_xp(points: float, max_points: float, pending_manual: bool) -> int:
    """XP of one lesson: its points, plus the bonus when every point is earned and graded."""
    perfect = max_points > 0 and points >= max_points and not pending_manual
    return xp_for_points(points) + (LESSON_BONUS if perfect else 0)


def level_for(xp: int) -> Level:
    return [level for level in LEVELS if xp >= level.min_xp][-1]


def next_level(xp: int) -> Level | None:
    higher = [level for level in LEVELS if level.min_xp > xp]
    return higher[0] if higher else None


def xp_bar(xp: int, width: int = 20) -> str:
    """'[#####---------------] 30 / 120 XP to next level' (within the current level)."""
    current, upcoming = level_for(xp), next_level(xp)
    if upcoming is None:
        return f"[{'#' * width}] {xp} XP, top level"
    span = upcoming.min_xp - current.min_xp
    filled = int(width * (xp - current.min_xp) / span)
    return f"[{'#' * filled}{'-' * (width - filled)}] {xp} / {upcoming.min_xp} XP to next level"


@dataclass
class LessonResult:
    """One student's current standing in one lesson, read from the gradebook."""

    assignment: str
    points: float  # earned, each part capped at its maximum
    max_points: float
    auto_points: float
    max_auto_points: float
    manual_points: float
    max_manual_points: float
    pending_manual: bool
    submitted_at: datetime | None
    on_time: bool
    first_try: bool  # all autograded points on the first submission (kept across resubmissions)

    @property
    def perfect(self) -> bool:
        return self.max_points > 0 and self.points >= self.max_points and not self.pending_manual

    @property
    def done(self) -> bool:
        return self.max_points > 0 and self.points >= DONE_FRACTION * self.max_points

    @property
    def bonus(self) -> int:
        return LESSON_BONUS if self.perfect else 0

    @property
    def xp(self) -> int:
        return lesson_xp(self.points, self.max_points, self.pending_manual)


@dataclass
class StudentStanding:
    student: str
    lessons: list[LessonResult] = field(default_factory=list)  # in track order

    @property
    def xp(self) -> int:
        return sum(lesson.xp for lesson in self.lessons)

    @property
    def level(self) -> Level:
        return level_for(self.xp)

    @property
    def lessons_done(self) -> int:
        return sum(lesson.done for lesson in self.lessons)


def milestone_assignment(slug: str) -> str | None:
    """The nbgrader assignment of a milestone lesson, or None while it is not in the registry."""
    return registry.lesson(slug).assignment if slug in registry.LESSONS else None


def earned_achievements(standing: StudentStanding, track: list[str]) -> dict[str, str]:
    """key -> reason, for every achievement the standing earns now."""
    lessons = {lesson.assignment: lesson for lesson in standing.lessons}
    earned: dict[str, str] = {}

    def first(predicate, key, describe):
        for lesson in standing.lessons:
            if predicate(lesson):
                earned[key] = f"{lesson.assignment}: {describe(lesson)}"
                return

    first(
        lambda s: s.submitted_at is not None,
        "first_submission",
        lambda s: f"submitted {s.submitted_at:%Y-%m-%d %H:%M}",
    )
    first(
        lambda s: s.first_try,
        "first_try",
        lambda s: f"{s.max_auto_points:g}/{s.max_auto_points:g} autograded on the first submission",
    )
    first(lambda s: s.perfect, "perfect_lesson", lambda s: f"{s.points:g}/{s.max_points:g} points")
    first(lambda s: s.on_time, "on_time", lambda s: f"submitted {s.submitted_at:%Y-%m-%d %H:%M}")
    first(
        lambda s: (
            s.max_manual_points > 0
            and not s.pending_manual
            and s.manual_points >= s.max_manual_points
        ),
        "reflective",
        lambda s: f"{s.manual_points:g}/{s.max_manual_points:g} hand-graded points",
    )

    done = [name for name in track if name in lessons and lessons[name].done]
    for start in range(len(track) - 2):
        window = track[start : start + 3]
        if all(name in done for name in window):
            earned["streak_3"] = f"{', '.join(window)} done"
            break
    perfect = [lesson.assignment for lesson in standing.lessons if lesson.perfect]
    if len(perfect) >= 3:
        earned["perfect_3"] = f"flawless: {', '.join(perfect[:3])}"
    for key, slug in MILESTONES.items():
        assignment = milestone_assignment(slug)
        if assignment in done:
            earned[key] = f"{assignment} done"
    if len(done) >= TRACK_LESSONS // 2:
        earned["halfway"] = f"{len(done)} lessons done"
    if standing.level.number >= 5:
        earned["level_5"] = f"{standing.xp} XP"
    if len(done) >= TRACK_LESSONS:
        earned["whole_track"] = f"{len(done)} lessons done"
    return earned
