"""Lesson 05, "The causal attention pattern": metadata, helpers (helpers.py) and visible checks
(checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.causal_pattern import checks

LESSON = Lesson(
    number=5,
    slug="causal_pattern",
    title="The causal attention pattern: who each token may look at",
    title_ko="causal attention pattern: 각 token은 어느 token까지 볼 수 있을까",
    minutes=20,
    tags=("attention", "masking"),
    exercises=(
        Exercise("causal_pattern", 6, ("causal_pattern", "model"), checks.check_causal_pattern),
    ),
    parts=checks.PARTS,
    written_by_hand={"causal_pattern": checks.BANNED},
)
