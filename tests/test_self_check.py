"""The lesson's last cell: every self-check at once, and a local XP preview (platformdirs)."""

import json

import nbformat
import pytest

from stream_course import self_check
from stream_course.course import solution_sources
from stream_course.demo import answer_variants

from .conftest import LESSON01


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


SETUP = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from stream_course.lessons.word_embedding.helpers import plot_trained_vs_random, show_neighbors
"""


def namespace(course_root, model, tokenizer, replace=None):
    """A student's globals after running the answer cells (the reference, or a variant)."""
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    answers = {**solution_sources(source), **(replace or {})}
    names = {"model": model, "tokenizer": tokenizer}
    exec(SETUP, names)
    for grade_id in ("wte", "token_id", "cosine_neighbors", "neighbors", "categories"):
        exec(answers[grade_id], names)
    return names


def test_a_right_notebook_passes_every_check(course_root, model, tokenizer, data_home, capsys):
    result = self_check.run_checks(1, namespace(course_root, model, tokenizer))
    assert [e.passed for e in result.exercises] == [True] * 5
    assert (result.points, result.max_points, result.xp_preview) == (9, 9, 90)


def test_a_wrong_answer_is_told_what_to_fix(course_root, model, tokenizer, data_home, capsys):
    wrong = answer_variants(course_root, LESSON01)["WRONG"]["dot_product"]["answers"]
    result = self_check.run_checks(1, namespace(course_root, model, tokenizer, wrong))
    by_name = {e.name: e for e in result.exercises}
    assert not by_name["cosine_neighbors"].passed
    assert "dot-product" in by_name["cosine_neighbors"].message
    assert "KO:" in by_name["cosine_neighbors"].message  # both languages
    assert by_name["wte"].passed and by_name["token_id"].passed
    assert result.points == 9 - 4 - 1  # cosine_neighbors, and neighbors built from it


def test_an_unrun_notebook_says_which_cells_to_run(model, tokenizer, data_home):
    result = self_check.run_checks(1, {"model": model, "tokenizer": tokenizer})
    assert result.points == 0
    assert all("not defined yet" in e.message and "위의 셀" in e.message for e in result.exercises)


def test_progress_stays_local_and_adds_up(course_root, model, tokenizer, data_home, capsys):
    view = self_check.check_lesson(1, namespace(course_root, model, tokenizer))
    path = data_home / "stream-course" / "progress.json"
    assert view.saved_to == path and json.loads(path.read_text())["01"]["xp_preview"] == 90
    html = view._repr_html_()
    assert "<progress class='stream-xp' value='90' max='120'>" in html
    assert "local-only" in html and "✗" not in html
    assert "XP preview / 예상 XP: 90" in repr(view)
    # Checking again replaces the lesson's entry: no XP from repetition.
    self_check.check_lesson(1, namespace(course_root, model, tokenizer))
    assert self_check.track_xp() == 90
    path.write_text("{not json")  # a damaged file never stops the lesson
    assert self_check.check_lesson(1, {"model": model}).result.points == 0
    assert json.loads(path.read_text())["01"]["points"] == 0


def test_a_read_only_data_folder_only_skips_saving(model, tokenizer, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    view = self_check.check_lesson(1, {"model": model, "tokenizer": tokenizer})
    assert view.saved_to is None and "Lesson 01" in view._repr_html_()


def test_under_the_autograder_the_cell_only_says_so(
    course_root, model, tokenizer, data_home, monkeypatch
):
    monkeypatch.setenv("STREAM_GRADING", "1")  # as stream_course.grader.sandbox sets it for kernels
    view = self_check.check_lesson(1, namespace(course_root, model, tokenizer))
    assert repr(view) == self_check.GRADING_NOTE and "피드백" in repr(view)
    assert not data_home.exists()  # no check ran, nothing saved


def test_under_the_autograder_an_exercise_check_only_says_so(model, capsys, monkeypatch):
    """A graded cell's visible check, as a wrong answer meets it; in the grader's kernels the
    cell's hidden test decides instead (every graded cell has one)."""
    from stream_course.checks.toolkit import SKIPPED_WHILE_GRADING, CheckFailure
    from stream_course.lessons.word_embedding import checks

    wrong = model.transformer.wpe.weight  # the position table, not the token table
    with pytest.raises(CheckFailure):
        checks.check_wte(wrong, model)
    monkeypatch.setenv("STREAM_GRADING", "1")
    checks.check_wte(wrong, model)
    assert SKIPPED_WHILE_GRADING in capsys.readouterr().out
