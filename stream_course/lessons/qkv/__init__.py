"""Lesson 04, "Queries, keys and values": metadata, helpers (helpers.py) and visible checks
(checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.qkv import checks

LESSON = Lesson(
    number=4,
    slug="qkv",
    title="Queries, keys and values: GPT-2's fused c_attn, split into heads",
    title_ko="query, key, value: GPT-2의 c_attn 하나를 head별로 나누기",
    minutes=20,
    tags=("attention", "shapes"),
    exercises=(
        Exercise("conv1d", 3, ("conv1d", "model"), checks.check_conv1d),
        Exercise("qkv_heads", 5, ("qkv_heads", "model", "tokenizer"), checks.check_qkv_heads),
    ),
    parts=checks.PARTS,
    written_by_hand={"conv1d": checks.BY_HAND, "qkv_heads": checks.BY_HAND},
)
