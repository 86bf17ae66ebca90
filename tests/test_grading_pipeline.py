"""The real nbgrader pipeline in a scratch course directory, grades read back from gradebook.db.

generate_assignment -> submitted/ (reference, blank, right and wrong sample answers) -> autograde
-> generate_feedback -> export. Each wrong answer must lose exactly the parts it breaks.
"""

import copy
import csv
import shutil
import sqlite3

import nbformat
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


def duplicate_a_test_cell(notebook):
    index = next(i for i, c in enumerate(notebook.cells) if "check.check_wte" in c.source)
    notebook.cells.insert(index, copy.deepcopy(notebook.cells[index]))


def lose_all_cell_metadata(notebook):  # as after some Colab / LMS round trips
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)


# Walks up from its working copy to the course's gradebook and hidden sources.
TAMPERING = """
import pathlib, sqlite3
course = pathlib.Path.cwd().parents[2]
for secret in ("gradebook.db", "source", "submitted"):
    print(secret, "visible" if (course / secret).exists() else "hidden")
try:
    with sqlite3.connect(course / "gradebook.db") as db:
        db.execute("UPDATE grade SET extra_credit = 100")
    print("TAMPERED")
except sqlite3.Error as error:
    print("blocked:", error)
"""

# student -> (sample answer, code appended to its first answer cell)
HOSTILE = {
    "ae_hangs": ("reference", "\nimport time\nwhile True:\n    time.sleep(1)"),
    "af_kills_its_kernel": (
        "reference",
        "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    ),
    # swallows every exception, the failing checks' too, around a dot-product answer
    "ag_custom_exc": (
        "dot_product",
        "\nget_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
    ),
}

BROKEN = {"aa_duplicated_cells": duplicate_a_test_cell, "ab_metadata_lost": lose_all_cell_metadata}


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
    # Broken hand-ins, named to be graded first: none may stop the batch or cost right answers.
    for student, damage in BROKEN.items():
        notebook = sample_submission(course, LESSON01, "reference")
        damage(notebook)
        submit(course, student, LESSON01, notebook)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Execute.timeout = 60  # the hanging submission below waits this long\n")
    for student, (variant, code) in HOSTILE.items():
        notebook = sample_submission(course, LESSON01, variant)
        cell = next(c for c in notebook.cells if c.source.startswith(("wte = ", "def cosine")))
        cell.source += code
        submit(course, student, LESSON01, notebook)
    deleted = sample_submission(course, LESSON01, "reference")
    deleted.cells = [c for c in deleted.cells if "test_cosine_metric" not in str(c.metadata)]
    submit(course, "ah_deleted_test_cell", LESSON01, deleted)
    empty = course / "submitted" / "ai_empty_file" / LESSON01
    empty.mkdir(parents=True)
    (empty / f"{LESSON01}.ipynb").write_text("")
    tamperer = sample_submission(course, LESSON01, "reference")
    wte_cell = next(c for c in tamperer.cells if c.source.startswith("wte = "))
    wte_cell.source += TAMPERING
    submit(course, "ad_tamperer", LESSON01, tamperer)
    invalid = course / "submitted" / "ac_invalid_json" / LESSON01
    invalid.mkdir(parents=True)
    (invalid / f"{LESSON01}.ipynb").write_text('{"cells": [')
    autograde = run_nbgrader(course, "autograde", LESSON01, "--force", check=False)
    # nbgrader grades everyone, then exits 1 because of the unreadable notebook.
    assert autograde.returncode == 1 and "submitted/ac_invalid_json" in autograde.stderr
    assert "Timeout waiting for execute reply" in autograde.stderr
    run_nbgrader(course, "generate_feedback", LESSON01, "--force")
    run_nbgrader(course, "export", "--to", "grades.csv")
    grades = {row.student: row for row in read_grades(course, LESSON01)}
    return course, samples, grades


def auto_parts(row):
    return {name: score for name, (score, _) in row.parts.items() if name in AUTO_PARTS}


def test_every_submission_is_graded(graded):
    course, samples, grades = graded
    extra = len(BROKEN) + len(HOSTILE) + 4  # invalid JSON, tamperer, deleted cell, empty file
    assert len(grades) == 2 + len(samples["RIGHT"]) + len(samples["WRONG"]) + extra
    for name in [*samples["RIGHT"], *samples["WRONG"], "reference", "blank", *BROKEN]:
        assert (course / "autograded" / name / LESSON01 / f"{LESSON01}.ipynb").exists(), name
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
    ungraded = {"ac_invalid_json", "ai_empty_file", "ae_hangs", "af_kills_its_kernel"}
    for student in set(grades) - ungraded:  # notebooks that never finished have no feedback
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


def test_damaged_right_answers_are_repaired_and_get_full_marks(graded):
    course, _, grades = graded
    for name in BROKEN:
        assert auto_parts(grades[name]) == AUTO_PARTS, name
        graded_notebook = nbformat.read(
            course / "autograded" / name / LESSON01 / f"{LESSON01}.ipynb", as_version=4
        )
        assert graded_notebook.metadata["stream"]["repairs"], name


def test_an_unreadable_notebook_scores_zero_without_stopping_the_batch(graded):
    course, _, grades = graded
    assert grades["ac_invalid_json"].auto_score == 0
    assert not (course / "autograded" / "ac_invalid_json").exists()


def test_student_code_cannot_reach_the_gradebook_or_the_sources(graded):
    course, _, grades = graded
    notebook = nbformat.read(
        course / "autograded" / "ad_tamperer" / LESSON01 / f"{LESSON01}.ipynb", as_version=4
    )
    (wte_cell,) = [c for c in notebook.cells if c.source.startswith("wte = ")]
    printed = "".join(o.get("text", "") for o in wte_cell.outputs)
    assert "gradebook.db hidden" in printed and "source hidden" in printed
    assert "submitted hidden" in printed and "TAMPERED" not in printed
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM grade WHERE extra_credit > 0").fetchone() == (0,)
    assert grades["ad_tamperer"].auto_score == 9  # its right answers still count


def test_hostile_and_damaged_hand_ins_score_what_they_earn_and_nothing_more(graded):
    course, _, grades = graded
    for student in ("ae_hangs", "af_kills_its_kernel", "ai_empty_file"):
        assert grades[student].auto_score == 0, student
    assert grades["ag_custom_exc"].auto_score == 4  # the dot-product answer loses 5 points
    expected = dict(AUTO_PARTS, test_cosine_metric=0)
    assert auto_parts(grades["ah_deleted_test_cell"]) == expected
    graded_notebook = nbformat.read(
        course / "autograded" / "ah_deleted_test_cell" / LESSON01 / f"{LESSON01}.ipynb",
        as_version=4,
    )
    assert "cells not found: test_cosine_metric" in graded_notebook.metadata["stream"]["repairs"]
    assert grades["reference"].auto_score == 9  # graded in the same batch, after all of them
