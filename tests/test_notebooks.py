"""Every notebook we ship runs top to bottom on the stand-in model, every lesson of the registry."""

import nbformat
import pytest
from nbclient import NotebookClient

from stream_course.checks.record import ANSWERS_MIME
from stream_course.course import fill_answers, solution_sources
from stream_course.lessons import LESSONS, lesson

from .conftest import judged

pytestmark = pytest.mark.slow


def execute(notebook, cwd):
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return notebook


def outputs_text(notebook):
    return "\n".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )


def self_check_html(notebook, number):
    (cell,) = [c for c in notebook.cells if f"check_lesson({number}, globals())" in c.source]
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return result.data["text/html"]


def source_notebook(course_root, found):
    path = course_root / "source" / found.assignment / f"{found.assignment}.ipynb"
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("slug", LESSONS)
def test_source_notebook_runs_and_the_grader_accepts_it(
    course_root, standin_dir, tmp_path, model, tokenizer, slug
):
    found = lesson(slug)
    notebook = execute(source_notebook(course_root, found), tmp_path)
    for cell in notebook.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{cell.source[:80]!r}: {errors[0].evalue if errors else ''}"
    text = outputs_text(notebook)
    assert text.count("passed / 통과") >= len(found.exercises)
    # The last cell: every self-check at once, an XP bar, kept locally.
    html = self_check_html(notebook, found.number)
    done = len(found.exercises)
    assert f"<b>{done} / {done}</b>" in html and f"<b>{found.auto_points * 10}</b>" in html
    assert "<progress" in html and "local-only" in html
    # Every hidden cell recorded the reference answers, and the grader's judge accepts them all.
    student_cells = solution_sources(source_notebook(course_root, found))
    judged_parts = set()
    for cell in notebook.cells:
        payloads = [
            o.data[ANSWERS_MIME]
            for o in cell.get("outputs", [])
            if ANSWERS_MIME in o.get("data", {})
        ]
        if payloads:
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            verdict = judged(slug, grade_id, payloads, model, tokenizer, student_cells)
            assert verdict.failure is None and not verdict.flags, (grade_id, verdict)
            judged_parts.add(grade_id)
    assert judged_parts == set(found.parts)
    assert any(  # every lesson has a plot
        o.output_type == "display_data" and "image/png" in o.data
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


# The release edition with the reference answers also runs, for every lesson, as the "reference"
# submission of tests/test_lessons_graded.py (under the autograder); here, as a student runs it,
# the first and last lesson suffice: every edition is made the same way (tests/test_editions.py).
@pytest.mark.parametrize("slug", sorted({LESSONS[0], LESSONS[-1]}))
def test_student_edition_with_reference_answers_runs(course_root, standin_dir, tmp_path, slug):
    """The self-study edition (release/'s cells: tests/test_editions.py) as a student runs it."""
    found = lesson(slug)
    name = found.assignment
    release = nbformat.read(course_root / f"notebooks/{name}.ipynb", as_version=4)
    answers = solution_sources(source_notebook(course_root, found))
    notebook = execute(fill_answers(release, answers), tmp_path)
    assert outputs_text(notebook).count("passed / 통과") >= len(found.exercises)
    done = len(found.exercises)
    assert f"<b>{done} / {done}</b>" in self_check_html(notebook, found.number)
