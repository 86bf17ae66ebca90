"""Lesson 03, "LayerNorm by hand": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.layer_norm import checks

LESSON = Lesson(
    number=3,
    slug="layer_norm",
    title="LayerNorm by hand: every token's vector, centred and rescaled",
    title_ko="LayerNorm 직접 구현: token vector마다 중심과 크기를 맞추기",
    minutes=15,
    tags=("normalisation", "fundamentals"),
    exercises=(Exercise("layer_norm", 5, ("layer_norm", "model"), checks.check_layer_norm),),
    parts=checks.PARTS,
    written_by_hand={"layer_norm": checks.BANNED},
)
