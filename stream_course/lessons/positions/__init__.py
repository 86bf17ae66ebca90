"""Lesson 02, "Positional embeddings": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.positions import checks

LESSON = Lesson(
    number=2,
    slug="positions",
    title="Positional embeddings: how GPT-2 knows where each token stands",
    title_ko="위치 임베딩: GPT-2가 각 token의 자리를 아는 방법",
    minutes=15,
    tags=("embeddings", "positions"),
    exercises=(
        Exercise("wpe", 1, ("wpe", "model"), checks.check_wpe),
        Exercise("embed", 4, ("embed", "model", "tokenizer"), checks.check_embed),
    ),
    parts=checks.PARTS,
    written_by_hand={"embed": checks.EMBED_BY_HAND},
)
