"""Lesson 11, "The next-token loss": metadata, helpers (helpers.py) and visible checks
(checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.loss import checks

LESSON = Lesson(
    number=11,
    slug="loss",
    title="The next-token loss: how wrong is each guess?",
    title_ko="다음 token 손실: 추측 하나하나는 얼마나 틀렸을까?",
    minutes=20,
    tags=("training", "loss"),
    exercises=(
        Exercise(
            "next_token_loss",
            8,
            ("next_token_loss", "model", "tokenizer"),
            checks.check_next_token_loss,
        ),
    ),
    parts=checks.PARTS,
    written_by_hand={"next_token_loss": checks.BANNED},
)
