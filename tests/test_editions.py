"""Committed notebooks: generated ones are fresh, none has outputs, prose is bilingual, nothing
secret reaches students."""

import re

import nbformat
import pytest

from stream_course.course import build_editions

from .conftest import LESSON01

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def committed_notebooks(root):
    return sorted(
        [
            *root.glob("source/*/*.ipynb"),
            *root.glob("release/*/*.ipynb"),
            *root.glob("notebooks/*.ipynb"),
        ]
    )


@pytest.mark.slow
def test_release_and_notebooks_are_up_to_date(course_root, tmp_path):
    written = build_editions(course_root, out=tmp_path)
    assert written, "nothing was generated"
    for fresh in written:
        committed = course_root / fresh.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run `make build`"
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"{committed} is stale: run `make build`"
        )


def test_notebooks_are_stored_without_outputs(course_root):
    notebooks = committed_notebooks(course_root)
    assert len(notebooks) >= 3
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path


def test_every_prose_cell_is_korean_and_english(course_root):
    for path in committed_notebooks(course_root):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            text = cell.source
            if "YOUR ANSWER HERE" in text:  # the student's answer cell in the release
                assert "여기에 답을 작성하세요" in text
                continue
            assert len(HANGUL.findall(text)) >= 10, (
                f"{path.name}: too little Korean in {text[:80]!r}"
            )
            assert len(LATIN_WORD.findall(text)) >= 5, (
                f"{path.name}: too little English in {text[:80]!r}"
            )


def test_release_holds_no_solutions_or_hidden_tests(course_root):
    for path in [*course_root.glob("release/*/*.ipynb"), *course_root.glob("notebooks/*.ipynb")]:
        text = path.read_text(encoding="utf-8")
        for secret in (
            "BEGIN SOLUTION",
            "BEGIN HIDDEN TESTS",
            "grade_wte",
            "grade_cosine",
            "grade_token_id",
            "check.collect(",
            "F.normalize(wte.detach(), dim=1)",
        ):
            assert secret not in text, f"{secret!r} leaked into {path}"
        assert text.count("여기에 코드를 작성하세요") == 5


def test_lesson_header(course_root):
    notebook = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    header = notebook.cells[0].source
    for expected in (
        "01 / 12",
        "Word embedding",
        "12 minutes",
        "약 12분",
        "embeddings",
        "fundamentals",
        "Report a problem",
    ):
        assert expected in header
    assert notebook.metadata["stream"]["tags"] == ["embeddings", "fundamentals"]


def test_lesson_never_types_in_the_ids_it_teaches(course_root):
    notebook = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for fact in ("3797", "3644", "33215", "3332"):
        assert fact not in code, (
            f"id {fact} is typed into the lesson; compute it with the tokenizer"
        )
