"""Lesson 08, "One pre-LN block": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.block import checks

LESSON = Lesson(
    number=8,
    slug="block",
    title="One pre-LN block: LayerNorm, attention, MLP and two residual additions",
    title_ko="pre-LN block 하나: LayerNorm, attention, MLP, 그리고 residual 덧셈 두 번",
    minutes=25,
    tags=("block", "residual"),
    exercises=(
        Exercise(
            "transformer_block",
            8,
            ("transformer_block", "model"),
            checks.check_everything,
        ),
    ),
    parts=checks.PARTS,
    written_by_hand={"transformer_block": checks.BANNED},
)
