"""Lesson 12, "Decoding": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.decoding import checks

LESSON = Lesson(
    number=12,
    slug="decoding",
    title="A forward pass from a state_dict alone, then decoding",
    title_ko="state_dict만으로 하는 forward pass, 그리고 decoding",
    minutes=30,
    tags=("decoding", "sampling"),
    exercises=(
        Exercise("gpt2_forward", 3, ("gpt2_forward", "model"), checks.check_gpt2_forward),
        Exercise("greedy_decode", 2, ("greedy_decode", "model"), checks.check_greedy_decode),
        Exercise(
            "next_token_probs", 3, ("next_token_probs", "model"), checks.check_next_token_probs
        ),
    ),
    parts=checks.PARTS,
    written_by_hand={
        "gpt2_forward": checks.BANNED,
        "greedy_decode": checks.BANNED,
        "next_token_probs": checks.BANNED,
    },
)
