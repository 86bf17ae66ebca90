"""Lesson 10, "The tied unembedding": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.unembedding import checks

LESSON = Lesson(
    number=10,
    slug="unembedding",
    title="The tied unembedding: from the last hidden state to logits",
    title_ko="묶인(tied) unembedding: 마지막 hidden state에서 logits로",
    minutes=20,
    tags=("unembedding", "logits"),
    exercises=(
        Exercise("unembed", 4, ("unembed", "model"), checks.check_unembed),
        Exercise("tied", 4, ("tied", "model"), checks.check_tied),
    ),
    parts=checks.PARTS,
    written_by_hand={"unembed": checks.BANNED},
)
