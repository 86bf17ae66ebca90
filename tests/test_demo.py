"""`make demo`: the instructor's whole pipeline (nbgrader's own commands) on three lessons for
three sample students, the XP moving across them, and its refusal to touch real submissions."""

import pytest

from stream_course.demo import DEMO_PLAN, run_demo
from stream_course.grading import db_url
from stream_course.lessons import lesson
from stream_course.progress_store import read_progress

from .conftest import LESSON01
from .test_grading_pipeline import make_course

pytestmark = pytest.mark.slow


def test_demo_grades_three_lessons_and_xp_moves_across_them(
    course_root, standin_dir, tmp_path, capsys
):
    course = make_course(course_root, tmp_path)
    table = run_demo(course)
    out = capsys.readouterr().out
    assert "nbgrader autograde" in out and table in out
    assert out.count("XP after ") == len(DEMO_PLAN) >= 3  # the XP table after every lesson
    rows = {tuple(line.split()[:2]): line for line in table.splitlines()[2:]}
    assert len(rows) == 9
    for name in DEMO_PLAN:
        points = lesson(name).auto_points
        assert f"{points} / {points}" in rows["ada", name]  # the reference answers
    assert "4 / 9" in rows["grace", "01_word_embedding"]  # dot product instead of cosine
    assert "0 / 8" in rows["grace", "06_attention_output"]  # heads merged without a transpose
    assert "0 / 9" in rows["linus", "01_word_embedding"]  # blank

    # XP read back from gradebook.db itself: the reference answers' autograded points (the
    # written answers wait for a person), and the two milestone achievements.
    first = read_progress(db_url(course))
    ada = first["students"]["ada"]
    assert ada["xp"] == 10 * sum(lesson(name).auto_points for name in DEMO_PLAN) == 250
    assert ada["level"] == 2 and "Level 2 — Position" in out
    keys = [a["key"] for a in ada["achievements"]]
    assert {"first_submission", "first_try", "own_attention", "forward_pass"} <= set(keys)
    assert "own_attention" not in [a["key"] for a in first["students"]["grace"]["achievements"]]
    run_demo(course, {LESSON01: DEMO_PLAN[LESSON01]})  # grading a lesson again changes nothing
    assert read_progress(db_url(course)) == first

    # Students see their XP in nbgrader's feedback; instructors get static pages.
    feedback = (course / "feedback" / "ada" / LESSON01 / f"{LESSON01}.html").read_text()
    assert "XP earned in this lesson / 이 레슨에서 얻은 XP: 90 XP" in feedback
    assert (course / "progress" / "index.html").exists()


def test_demo_refuses_a_course_with_real_submissions(course_root, tmp_path):
    course = make_course(course_root, tmp_path)
    (course / "submitted" / "s1234" / LESSON01).mkdir(parents=True)
    with pytest.raises(SystemExit, match="real submissions"):
        run_demo(course)
    assert not (course / "gradebook.db").exists()
