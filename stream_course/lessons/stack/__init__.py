"""Lesson 09, "The stack and ln_f": metadata, helpers (helpers.py) and visible checks (checks.py)."""

from stream_course.lessons import Exercise, Lesson
from stream_course.lessons.stack import checks

LESSON = Lesson(
    number=9,
    slug="stack",
    title="The stack and ln_f: every block in turn, then one last LayerNorm",
    title_ko="block 쌓기와 ln_f: block을 차례로 모두 지난 뒤 마지막 LayerNorm 한 번",
    minutes=20,
    tags=("residual stream", "layer norm"),
    exercises=(Exercise("gpt2_stack", 8, ("gpt2_stack", "model"), checks.check_everything),),
    parts=checks.PARTS,
    written_by_hand={"gpt2_stack": checks.BANNED},
)
