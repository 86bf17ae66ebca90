"""Repairing submissions against the release: lost metadata, duplicated cells, wrong notebooks."""

import copy

import nbformat
import pytest

from stream_course.course import fill_answers, solution_sources
from stream_course.grader.repair import repair_submission

from .conftest import LESSON01


@pytest.fixture(scope="module")
def release(course_root):
    return nbformat.read(course_root / "release" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def answered(course_root, release):
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    return fill_answers(release, solution_sources(source))


def grade_ids(notebook):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]


def cell_with(notebook, text):
    (cell,) = [c for c in notebook.cells if text in c.source and c.cell_type == "code"]
    return cell


def test_an_untouched_submission_is_left_alone(answered, release):
    submission = copy.deepcopy(answered)
    assert repair_submission(submission, release) == []
    assert submission == answered


def test_lost_metadata_is_restored_by_content_and_position(answered, release):
    submission = copy.deepcopy(answered)
    for cell in submission.cells:
        del cell.metadata["nbgrader"]
    # a student's scratch cells next to the answers
    submission.cells.insert(14, nbformat.v4.new_code_cell("print(wte.shape)"))
    submission.cells.insert(18, nbformat.v4.new_code_cell("token_id('dog')"))
    notes = repair_submission(submission, release)
    assert any("restored" in note for note in notes) and not any("not found" in n for n in notes)
    assert sorted(filter(None, grade_ids(submission))) == sorted(filter(None, grade_ids(release)))
    assert cell_with(submission, "def token_id").metadata.nbgrader.grade_id == "token_id"
    assert (
        cell_with(submission, "def cosine_neighbors").metadata.nbgrader.grade_id
        == "cosine_neighbors"
    )
    assert cell_with(submission, "wte = model").metadata.nbgrader.grade_id == "wte"
    assert "nbgrader" not in cell_with(submission, "print(wte.shape)").metadata


def test_duplicated_cells_keep_the_last_copy_and_no_empty_metadata(answered, release):
    submission = copy.deepcopy(answered)
    index = grade_ids(submission).index("test_wte")
    submission.cells.insert(index, copy.deepcopy(submission.cells[index]))
    notes = repair_submission(submission, release)
    assert notes == ["duplicated cells kept once (the last copy): test_wte"]
    assert grade_ids(submission).count("test_wte") == 1
    assert "nbgrader" not in submission.cells[index].metadata
    assert submission.cells[index + 1].metadata.nbgrader.grade_id == "test_wte"


def test_a_different_notebook_is_named(release):
    other = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Lesson 07"), nbformat.v4.new_code_cell("x = 1")]
    )
    notes = repair_submission(other, release)
    assert "this does not look like the released notebook (wrong notebook?)" in notes
