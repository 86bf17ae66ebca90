"""Submissions downloaded from an LMS as one zip (Canvas's layout), collected with nbgrader's
zip_collect and autograded: a notebook that lost its metadata on a Colab round trip still counts."""

import zipfile

import nbformat
import pytest

from stream_course.course import run_nbgrader
from stream_course.demo import sample_submission
from stream_course.grading import read_grades

from .conftest import LESSON01
from .test_grading_pipeline import lose_all_cell_metadata, make_course

pytestmark = pytest.mark.slow


def test_canvas_zip_is_collected_and_graded(course_root, standin_dir, tmp_path):
    course = make_course(course_root, tmp_path)
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    from_colab = sample_submission(course, LESSON01, "reference")
    lose_all_cell_metadata(from_colab)
    resubmitted = sample_submission(course, LESSON01, "dot_product")
    archive = course / "downloaded" / LESSON01 / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as lms_zip:
        lms_zip.writestr(f"doejane_12345_678901_{LESSON01}.ipynb", nbformat.writes(from_colab))
        lms_zip.writestr(
            f"kimminsu_LATE_23456_789012_{LESSON01}-1.ipynb", nbformat.writes(resubmitted)
        )
        lms_zip.writestr("kimminsu_LATE_23456_789012_notes.txt", "not a notebook")

    run_nbgrader(course, "zip_collect", LESSON01)
    for student in ("doejane", "kimminsu"):
        assert (course / "submitted" / student / LESSON01 / f"{LESSON01}.ipynb").exists()

    run_nbgrader(course, "autograde", LESSON01)
    grades = {row.student: row for row in read_grades(course, LESSON01)}
    assert set(grades) == {"doejane", "kimminsu"}
    assert grades["doejane"].auto_score == 9  # repaired, then graded in full
    assert grades["kimminsu"].auto_score == 4  # the dot-product answer loses its 5 points
