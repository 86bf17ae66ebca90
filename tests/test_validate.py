"""A student's `nbgrader validate` (the command behind JupyterLab's Validate button), run where a
student runs it: a folder with their notebook and no course configuration."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from stream_course.course import fill_answers, solution_sources
from stream_course.demo import answer_variants

from .conftest import LESSON01

pytestmark = pytest.mark.slow


def validate(course_root, tmp_path, replace=None):
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    release = nbformat.read(course_root / "release" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    notebook = fill_answers(release, {**solution_sources(source), **(replace or {})})
    path = tmp_path / f"{LESSON01}.ipynb"
    nbformat.write(notebook, path)
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run(
        [nbgrader, "validate", path.name], cwd=tmp_path, capture_output=True, text=True
    )
    return result.stdout + result.stderr


def test_a_right_notebook_validates(course_root, standin_dir, tmp_path):
    assert "Success! Your notebook passes all the tests." in validate(course_root, tmp_path)


def test_a_wrong_answer_is_told_what_to_fix_in_both_languages(course_root, standin_dir, tmp_path):
    wrong = answer_variants(course_root, LESSON01)["WRONG"]["dot_product"]["answers"]
    said = validate(course_root, tmp_path, wrong)
    assert "VALIDATION FAILED" in said
    assert "EN: These are dot-product neighbours: long rows win." in said
    assert "KO: 내적(dot product) 이웃입니다." in said
