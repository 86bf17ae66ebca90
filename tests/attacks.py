"""The attack corpus that every lesson is graded against (tests/test_lessons_graded.py).

Lesson 01's full corpus (tests/test_grading_pipeline.py) also attacks the sandbox: hangs, fork
bombs, memory, escapes. The sandbox is the same for every lesson; what differs from lesson to
lesson is what the hidden tests record and what the judge accepts. So each attack here is written
once, for any lesson, and aimed at the judging: a sample WRONG answer with the attack added to its
first answer cell may not earn a point its answer does not, and a right answer with a harmless
snoop added loses nothing.
"""

from __future__ import annotations

import nbformat

from stream_course.checks.record import ANSWERS_MIME
from stream_course.demo import sample_submission
from stream_course.lessons import Lesson

# Every comparison the visible checks could lean on says "equal".
PATCHES = """
import numpy.testing, torch
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
numpy.testing.assert_allclose = lambda *args, **kwargs: None
"""

# The hidden test lines become `pass` before they run: nothing recorded, nothing judged right.
DROPS_THE_HIDDEN_TESTS = """
get_ipython().input_transformers_cleanup.append(
    lambda lines: ["pass\\n" if "check.collect(" in line else line for line in lines]
)
"""

# An extra "recording" at the start of every cell, hidden test cells included.
FORGES_RECORDINGS = """
from IPython.display import display as _display
get_ipython().events.register(
    "pre_run_cell",
    lambda *_: _display({{{mime!r}: {{"lesson": {assignment!r}, "part": {first!r},
                                     "values": {{}}, "calls": []}}}}, raw=True),
)
"""

# The visible checks, which would fail a wrong answer before its hidden test lines run, do
# nothing: each attack below then reaches the judge.
SILENCES_THE_VISIBLE_CHECKS = """
import importlib as _importlib
_checks = _importlib.import_module({checks!r})
for _name in dir(_checks):
    if _name.startswith("check_"):
        setattr(_checks, _name, lambda *args, **kwargs: None)
"""

# Every hidden test cell records the first part instead of its own: the judge reads the part
# from the cell.
CLAIMS_THE_FIRST_PART = """
_honest_collect = _checks.collect
_checks.collect = lambda grade_id, *args, **answers: _honest_collect({first!r}, *args, **answers)
"""

# Looks for the gradebook, the answer key and other students' work from the kernel, and tries to
# write where it should not: with a right answer, it must still get full marks.
SNOOPS = """
import pathlib as _pathlib
for _place in (_pathlib.Path.cwd(), *_pathlib.Path.cwd().parents):
    for _secret in ("gradebook.db", "source", "submitted"):
        if (_place / _secret).exists():
            print("FOUND", _place / _secret)
for _target in ("/usr/lib/planted.py", "../../planted.txt"):
    try:
        _pathlib.Path(_target).write_text("x")
        print("WROTE", _target)
    except OSError as _error:
        print("no write:", _target, type(_error).__name__)
"""

# attack -> (the sample it is added to: "wrong" (the lesson's first WRONG sample) or "reference")
ATTACKS = {
    "patches_comparisons": "wrong",
    "drops_the_hidden_tests": "wrong",
    "forges_recordings": "wrong",
    "claims_the_first_part": "wrong",
    "snoops_with_a_right_answer": "reference",
}


def attack_code(attack: str, found: Lesson) -> str:
    first = next(iter(found.parts))
    silence = SILENCES_THE_VISIBLE_CHECKS.format(checks=f"{found.package}.checks")
    return {
        "patches_comparisons": PATCHES,
        "drops_the_hidden_tests": silence + DROPS_THE_HIDDEN_TESTS,
        "forges_recordings": silence
        + FORGES_RECORDINGS.format(mime=ANSWERS_MIME, assignment=found.assignment, first=first),
        "claims_the_first_part": silence + CLAIMS_THE_FIRST_PART.format(first=first),
        "snoops_with_a_right_answer": SNOOPS,
    }[attack]


def attacked(course, found: Lesson, attack: str, wrong: str) -> nbformat.NotebookNode:
    """The sample notebook of ``attack`` (``wrong`` names the WRONG sample it uses), with the
    attack appended to its first answer cell, which runs before every test cell."""
    base = wrong if ATTACKS[attack] == "wrong" else "reference"
    notebook = sample_submission(course, found.assignment, base)
    first_answer = next(
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    )
    first_answer.source += "\n" + attack_code(attack, found)
    return notebook
