"""Committed notebooks: generated ones are fresh, none has outputs, prose is bilingual, nothing
secret reaches students."""

import re

import nbformat
import pytest

from stream_course.course import build_editions
from stream_course.lessons import LESSONS, TRACK_LENGTH, lesson

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


def test_the_self_study_edition_has_the_release_cells(course_root):
    """notebooks/ differs from release/ in metadata only, so running one runs both."""
    for path in course_root.glob("release/*/*.ipynb"):
        edition = nbformat.read(course_root / "notebooks" / path.name, as_version=4)
        assert nbformat.read(path, as_version=4).cells == edition.cells, path.name


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
        for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "check.collect(", "JUDGES"):
            assert secret not in text, f"{secret!r} leaked into {path}"
        source = nbformat.read(
            course_root / "source" / path.stem / f"{path.stem}.ipynb", as_version=4
        )
        stubs = [c for c in source.cells if c.cell_type == "code" and "BEGIN SOLUTION" in c.source]
        assert text.count("여기에 코드를 작성하세요") == len(stubs), path
    assert not list(course_root.glob("release/*/answer_key.py"))
    assert not list(course_root.glob("release/*/sample_answers.py"))


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_header_and_metadata_come_from_the_registry(course_root, slug):
    found = lesson(slug)
    path = course_root / "source" / found.assignment / f"{found.assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    header = notebook.cells[0].source
    number = f"{found.number:02d} / {TRACK_LENGTH}"
    for expected in (
        f"# {number} · {found.title}",
        f"# {number} · {found.title_ko}",
        f"about {found.minutes} minutes",
        f"약 {found.minutes}분",
        *found.tags,
        "Report a problem",
        f"notebooks/{found.assignment}.ipynb",  # the Colab badge
    ):
        assert expected in header, expected
    assert notebook.metadata["stream"] == {
        "lesson": found.number,
        "minutes": found.minutes,
        "of": TRACK_LENGTH,
        "tags": list(found.tags),
        "title": found.title,
    }
    # One exercise list: each exercise's points are its test cells' points, and every hidden
    # part is one test cell that hands in the answers the part expects.
    test_cells = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    assert set(test_cells) == set(found.parts), "hidden parts and test cells differ"
    for grade_id, part in found.parts.items():
        source = test_cells[grade_id].source
        assert f'check.collect("{grade_id}", model, tokenizer' in source, grade_id
        for name in part.answers:
            assert f"{name}={name}" in source, (grade_id, name)
    for exercise in found.exercises:
        tests = [
            c.metadata["nbgrader"]["points"]
            for g, c in test_cells.items()
            if exercise.name in found.parts[g].answers[:1]
        ]
        assert sum(tests) == exercise.points, exercise.name
    assert sum(c.metadata["nbgrader"]["points"] for c in test_cells.values()) == found.auto_points
    assert f"check_lesson({found.number}, globals())" in "".join(c.source for c in notebook.cells)


def test_lessons_are_numbered_in_registry_order():
    assert [lesson(slug).number for slug in LESSONS] == list(range(1, len(LESSONS) + 1))
    for slug in LESSONS:
        assert lesson(lesson(slug).number) is lesson(lesson(slug).assignment)


def test_lesson_never_types_in_the_ids_it_teaches(course_root):
    notebook = nbformat.read(course_root / "source" / LESSON01 / f"{LESSON01}.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for fact in ("3797", "3644", "33215", "3332"):
        assert fact not in code, (
            f"id {fact} is typed into the lesson; compute it with the tokenizer"
        )


@pytest.mark.parametrize("slug", LESSONS)
def test_each_summary_leads_to_the_next_lesson(course_root, slug):
    """The summary of lesson n opens lesson n + 1 in Colab; the last lesson's closes the track."""
    found = lesson(slug)
    path = course_root / "source" / found.assignment / f"{found.assignment}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    (summary,) = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "summary"]
    links = [n for n in range(1, TRACK_LENGTH + 1) if f"notebooks/{n:02d}_" in summary.source]
    if found.number < TRACK_LENGTH:
        assert links == [found.number + 1], links
        following = lesson(found.number + 1) if found.number < len(LESSONS) else None
        assert following is None or f"notebooks/{following.assignment}.ipynb" in summary.source
    else:
        assert links == [], links
