"""Lesson 01, "Word embedding": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.word_embedding import checks

LESSON = Lesson(
    number=1,
    slug="word_embedding",
    title="Word embedding: where token ids become dense vectors",
    title_ko="단어 임베딩: token id가 dense vector가 되는 곳",
    minutes=12,
    tags=("embeddings", "fundamentals"),
    exercises=(
        Exercise("wte", 1, ("wte", "model"), checks.check_wte),
        Exercise("token_id", 2, ("token_id", "tokenizer"), checks.check_token_id),
        Exercise(
            "cosine_neighbors",
            4,
            ("cosine_neighbors", "model", "tokenizer"),
            checks.check_cosine_neighbors,
        ),
        Exercise("neighbors", 1, ("neighbors", "model", "tokenizer"), checks.check_neighbors),
        Exercise(
            "categories",
            1,
            ("categories", "neighbors", "model", "tokenizer"),
            checks.check_categories,
        ),
    ),
    parts=checks.PARTS,
)
