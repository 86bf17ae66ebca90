"""The lessons, student side: one package folder each (metadata, helpers, visible checks).

``LESSONS`` is the registry: one line per lesson, in track order. Everything that lists lessons
(the README table, notebook headers, the self-check, XP, warm preloading, the demo, the tests)
reads it. A lesson's one spelling is its slug; its nbgrader assignment (and folder in source/,
release/ and notebooks/) is ``f"{number:02d}_{slug}"``. Its instructor side, with the answer key
and sample answers, is source/<assignment>/ and is never installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

LESSONS = (
    "word_embedding",
    "positions",
    "layer_norm",
    "qkv",
    "causal_pattern",
    "attention_output",
    "mlp",
    "block",
    "stack",
    "unembedding",
    "loss",
    "decoding",
)
TRACK_LENGTH = 12  # the whole track ("01 / 12"); tests hold LESSONS to it


@dataclass(frozen=True)
class Exercise:
    """An auto-graded exercise: the name it defines in the notebook (its solution cell's grade_id),
    its points (its test cells' points), the notebook names its visible check reads, the check."""

    name: str
    points: int
    needs: tuple[str, ...]
    check: Callable


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    title_ko: str
    minutes: int
    tags: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    parts: dict = field(default_factory=dict)  # hidden test grade_id -> checks.record.Part
    # answer name -> built-ins its code may not call (stream_course.checks.forbidden)
    written_by_hand: dict = field(default_factory=dict)
    uses_model: bool = True  # loads the lesson model in its setup cell (warm kernels preload it)

    @property
    def assignment(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def package(self) -> str:
        return f"{__name__}.{self.slug}"

    @property
    def auto_points(self) -> int:
        return sum(e.points for e in self.exercises)


def lesson(key: int | str) -> Lesson:
    """A lesson by number (1), slug ("word_embedding") or assignment name ("01_word_embedding")."""
    slug = key
    if isinstance(key, int) and 0 < key <= len(LESSONS):
        slug = LESSONS[key - 1]
    elif isinstance(key, str) and key[:2].isdigit() and key[2:3] == "_":
        slug = key[3:]
    if slug in LESSONS:
        found = importlib.import_module(f"{__name__}.{slug}").LESSON
        if key in (found.slug, found.number, found.assignment):
            return found
    raise KeyError(
        f"no lesson {key!r}; the registry (stream_course/lessons/__init__.py) has {LESSONS}"
    )


def all_lessons() -> list[Lesson]:
    return [lesson(slug) for slug in LESSONS]
