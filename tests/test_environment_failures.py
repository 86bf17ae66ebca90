"""An instructor's broken grading environment is never the students' zero: the submission fails
with the reason "environment", no grade is recorded, and a batch whose first submissions all fail
alike stops with what to fix."""

import json
import sys

import pytest

from stream_course.course import run_nbgrader
from stream_course.demo import sample_submission, submit
from stream_course.grader.sandbox import SandboxError, kernel_import_paths
from stream_course.grading import read_grades

from .conftest import LESSON01

# A python3 kernel whose interpreter cannot import the course package (as with a venv whose
# package is installed, editable, from another folder than the one the grader imports).
BROKEN_KERNEL = (
    "import sys; sys.modules['stream_course'] = None; "
    "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
)


@pytest.mark.slow
def test_a_kernel_that_cannot_import_the_course_fails_clearly_not_with_zeros(
    course_root, standin_dir, tmp_path, monkeypatch
):
    from .test_grading_pipeline import make_course

    (tmp_path / "course").mkdir()
    course = make_course(course_root, tmp_path / "course")
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    for student in ("s1", "s2", "s3", "s4"):
        submit(course, student, LESSON01, sample_submission(course, LESSON01, "reference"))
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-c", BROKEN_KERNEL, "-f", "{connection_file}"],
        "display_name": "Python 3 (cannot import stream_course)",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))

    graded = run_nbgrader(course, "autograde", LESSON01, check=False)
    log = graded.stderr
    assert graded.returncode != 0
    assert (
        "FAILED  s1 01_word_embedding: environment: cell 3 (setup) raised ModuleNotFoundError"
        in log
    )
    assert "not graded, no zero" in log
    assert "STOPPED / 중단: the first 3 submissions all failed" in log
    assert "s4" not in log[log.index("Autograde summary") :]  # the batch stopped before it
    assert read_grades(course, LESSON01) == []  # nobody got a zero
    assert not (course / "autograded" / "s1" / LESSON01).exists()

    # Once the instructor fixes the kernel, the same command grades everyone: nothing was lost.
    monkeypatch.delenv("JUPYTER_PATH")
    run_nbgrader(course, "autograde", LESSON01)
    assert {row.student: row.auto_score for row in read_grades(course, LESSON01)} == {
        "s1": 9,
        "s2": 9,
        "s3": 9,
        "s4": 9,
    }


def test_a_kernel_interpreter_without_the_course_is_refused_before_grading():
    """The sandbox asks the kernel's own interpreter what it imports; one without the course
    package would fail every submission at the setup cell."""
    bare = next(
        path
        for path in (f"{sys.base_prefix}/bin/python3", "/usr/bin/python3")
        if path != sys.executable and __import__("os").path.exists(path)
    )
    with pytest.raises(SandboxError, match="cannot import stream_course"):
        kernel_import_paths(bare)
    paths = kernel_import_paths(sys.executable)
    assert any(path.endswith("stream_course") for path in paths)


@pytest.mark.slow
def test_without_bubblewrap_a_batch_refuses_to_grade_and_says_what_to_install(
    course_root, standin_dir, tmp_path
):
    from stream_course.grader.parallel import autograde

    from .test_grading_pipeline import make_course

    (tmp_path / "course").mkdir()
    course = make_course(course_root, tmp_path / "course")
    with (course / "nbgrader_config.py").open("a") as config:
        config.write('\nc.SandboxedKernelManager.bwrap = "no-such-bwrap"\n')
    run_nbgrader(course, "generate_assignment", LESSON01, "--force")
    for student in ("s1", "s2", "s3", "s4"):
        submit(course, student, LESSON01, sample_submission(course, LESSON01, "reference"))

    code, summary = autograde(course, LESSON01, jobs=2)
    assert code != 0
    assert "bubblewrap (bwrap) is not installed" in summary, summary
    assert "apt-get install bubblewrap" in summary
    assert read_grades(course, LESSON01) == []  # nobody got a zero
