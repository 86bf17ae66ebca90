"""Every notebook we ship runs top to bottom on the stand-in model."""

import nbformat
import pytest
from nbclient import NotebookClient

from stream_course.checks import lesson01
from stream_course.checks.verdicts import ANSWERS_MIME
from stream_course.course import fill_answers, solution_sources

from .conftest import LESSON01

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


def self_check_html(notebook):
    (cell,) = [c for c in notebook.cells if "check_lesson(1, globals())" in c.source]
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return result.data["text/html"]


def test_source_notebook_runs(course_root, standin_dir, tmp_path, model, tokenizer):
    notebook = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    text = outputs_text(execute(notebook, tmp_path))
    assert "The third dog" in text
    assert text.count("passed / 통과") >= 5
    # The last cell: every self-check at once, an XP bar, kept locally.
    html = self_check_html(notebook)
    assert "<b>5 / 5</b>" in html and "<b>90</b>" in html and "<progress" in html
    assert "local-only" in html
    # Every hidden cell recorded the reference answers, and the grader's judge accepts them all.
    payloads = [
        o.data[ANSWERS_MIME]
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if ANSWERS_MIME in o.get("data", {})
    ]
    assert sorted(p["part"] for p in payloads) == sorted(lesson01.PARTS)
    for payload in payloads:
        lesson01.judge(payload, model, tokenizer)
    assert any(
        o.output_type == "display_data" and "image/png" in o.data
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


@pytest.mark.parametrize(
    "edition", [f"release/{LESSON01}/{LESSON01}.ipynb", f"notebooks/{LESSON01}.ipynb"]
)
def test_student_edition_with_reference_answers_runs(course_root, standin_dir, tmp_path, edition):
    source = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    release = nbformat.read(course_root / edition, as_version=4)
    notebook = execute(fill_answers(release, solution_sources(source)), tmp_path)
    assert outputs_text(notebook).count("passed / 통과") >= 5
    assert "<b>5 / 5</b>" in self_check_html(notebook)
