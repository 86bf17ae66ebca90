"""Lesson 06, "Attention output": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.attention_output import checks

LESSON = Lesson(
    number=6,
    slug="attention_output",
    title="Attention output: mixing values, merging heads, projecting back",
    title_ko="Attention 출력: value를 섞고, head를 합치고, 다시 투영하기",
    minutes=20,
    tags=("attention", "heads"),
    exercises=(
        Exercise(
            "attention_output", 4, ("attention_output", "model"), checks.check_attention_output
        ),
        Exercise("self_attention", 4, ("self_attention", "model"), checks.check_self_attention),
    ),
    parts=checks.PARTS,
    written_by_hand={"attention_output": checks.BANNED, "self_attention": checks.BANNED},
)
