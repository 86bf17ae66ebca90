"""Lesson 07, "GELU and the MLP": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.mlp import checks

LESSON = Lesson(
    number=7,
    slug="mlp",
    title="GELU and the MLP: GPT-2's per-token feed-forward layer",
    title_ko="GELU와 MLP: token마다 따로 계산하는 GPT-2의 feed-forward 층",
    minutes=20,
    tags=("mlp", "activations"),
    exercises=(
        Exercise("gelu_new", 3, ("gelu_new", "model"), checks.check_gelu_new),
        Exercise("mlp", 5, ("mlp", "model"), checks.check_mlp),
    ),
    parts=checks.PARTS,
    written_by_hand={"gelu_new": checks.BANNED, "mlp": checks.MLP_BANNED},
)
