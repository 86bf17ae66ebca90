"""The real nbgrader pipeline in a scratch course directory, grades read back from gradebook.db.

generate_assignment -> submitted/ (reference, blank, right and wrong sample answers) -> autograde
-> generate_feedback -> export. Each wrong answer must lose exactly the parts it breaks.
"""

import csv
import shutil
import sqlite3

import pytest

from stream_course.course import run_nbgrader
from stream_course.demo import answer_variants, run_demo, sample_submission, submit
from stream_course.grading import db_url, read_grades
from stream_course.progress_store import read_progress

from .conftest import LESSON01

pytestmark = pytest.mark.slow

AUTO_PARTS = {
    "test_wte": 1,
    "test_token_id": 2,
    "test_cosine_neighbors": 2,
    "test_cosine_metric": 2,
    "test_neighbors": 1,
    "test_categories": 1,
}


def make_course(course_root, into):
    shutil.copy2(course_root / "nbgrader_config.py", into / "nbgrader_config.py")
    for folder in ("source", "examples"):
        shutil.copytree(course_root / folder, into / folder)
    return into


@pytest.fixture(scope="module")
def graded(course_root, standin_dir, tmp_path_factory):
    course = make_course(course_root, tmp_path_factory.mktemp("course"))
    samples = answer_variants(course, LESSON01)
    variants = ["reference", "blank", *samples["RIGHT"], *samples["WRONG"]]
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    for variant in variants:
        submit(course, variant, LESSON01, sample_submission(course, LESSON01, variant))
    run_nbgrader(course, "autograde", LESSON01, "--force")
    run_nbgrader(course, "generate_feedback", LESSON01, "--force")
    run_nbgrader(course, "export", "--to", "grades.csv")
    grades = {row.student: row for row in read_grades(course, LESSON01)}
    return course, samples, grades


def auto_parts(row):
    return {name: score for name, (score, _) in row.parts.items() if name in AUTO_PARTS}


def test_every_submission_is_graded(graded):
    course, samples, grades = graded
    assert len(grades) == 2 + len(samples["RIGHT"]) + len(samples["WRONG"])
    assert len(samples["WRONG"]) >= 10 and len(samples["RIGHT"]) >= 4


def test_reference_gets_full_marks_and_waits_for_a_hand_grade(graded):
    _, _, grades = graded
    row = grades["reference"]
    assert auto_parts(row) == AUTO_PARTS
    assert (row.auto_score, row.max_auto_score) == (9, 9)
    assert row.max_manual_score == 2 and row.needs_manual_grade


def test_blank_release_gets_no_auto_points(graded):
    _, _, grades = graded
    assert grades["blank"].auto_score == 0
    assert set(auto_parts(grades["blank"]).values()) == {0}


def test_differently_written_right_answers_get_full_marks(graded):
    _, samples, grades = graded
    for name in samples["RIGHT"]:
        assert auto_parts(grades[name]) == AUTO_PARTS, name


def test_each_wrong_answer_loses_exactly_the_parts_it_breaks(graded):
    _, samples, grades = graded
    for name, variant in samples["WRONG"].items():
        expected = {
            part: 0 if part in variant["loses"] else points for part, points in AUTO_PARTS.items()
        }
        assert auto_parts(grades[name]) == expected, name


def test_feedback_and_export_are_written(graded):
    course, _, grades = graded
    for student in grades:
        html = (course / "feedback" / student / LESSON01 / f"{LESSON01}.html").read_text()
        assert "01 / 12" in html
        for hidden in (
            "grade_wte",
            "grade_token_id",
            "grade_cosine_neighbors",
            "grade_cosine_metric",
        ):
            assert hidden not in html, f"hidden test {hidden} leaked into {student}'s feedback"
    wrong = (course / "feedback" / "dot_product" / LESSON01 / f"{LESSON01}.html").read_text()
    assert "dot-product neighbours" in wrong  # the failing check's message still teaches
    with open(course / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["student_id"] for r in rows} >= set(grades)


def test_gradebook_is_intact(graded):
    course, _, _ = graded
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_demo_prints_the_grade_table(course_root, standin_dir, tmp_path, capsys):
    course = make_course(course_root, tmp_path)
    table = run_demo(course)
    out = capsys.readouterr().out
    assert "nbgrader autograde" in out and table in out
    lines = {line.split()[0]: line for line in table.splitlines()[2:]}
    assert "9 / 9" in lines["ada"] and " 90 " in lines["ada"]
    assert "4 / 9" in lines["grace"] and " 40 " in lines["grace"]
    assert "0 / 9" in lines["linus"]
    assert "Progress from gradebook.db" in out and "90 / 120 XP to next level" in out

    # XP read back from gradebook.db itself, and a second demo run changes none of it.
    first = read_progress(db_url(course))
    assert {s: d["xp"] for s, d in first["students"].items()} == {
        "ada": 90,
        "grace": 40,
        "linus": 0,
    }
    assert [a["key"] for a in first["students"]["ada"]["achievements"]] == [
        "first_submission",
        "first_try",
    ]
    run_demo(course)
    assert read_progress(db_url(course)) == first

    # Students see their XP in nbgrader's feedback; instructors get static pages.
    feedback = (course / "feedback" / "ada" / LESSON01 / f"{LESSON01}.html").read_text()
    assert "XP earned in this lesson / 이 레슨에서 얻은 XP: 90 XP" in feedback
    assert "Level 0 — Token" in feedback
    assert (course / "progress" / "index.html").exists()


def test_demo_refuses_a_course_with_real_submissions(course_root, tmp_path):
    course = make_course(course_root, tmp_path)
    (course / "submitted" / "s1234" / LESSON01).mkdir(parents=True)
    with pytest.raises(SystemExit, match="real submissions"):
        run_demo(course)
    assert not (course / "gradebook.db").exists()
