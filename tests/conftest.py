"""Shared fixtures. The suite runs offline: the model is always the stand-in built from PyPI files."""

import itertools
import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("STREAM_MODEL", "stream-gpt2-standin")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Every scratch course keeps its own gradebook.db, whatever gradebook the tester's shell names.
os.environ.pop("STREAM_GRADEBOOK_URL", None)
# Lessons keep a local progress file in the user's data folder (platformdirs): not the tester's.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="stream-test-data-")
# nbgrader's Gradebook runs the `alembic` command when it creates a database: use this venv's.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

ROOT = Path(__file__).resolve().parent.parent
LESSON01 = "01_word_embedding"


@pytest.fixture(scope="session", autouse=True)
def alembic_head_asked_once():
    """nbgrader runs the `alembic` command (~5 s) for its schema version whenever it creates a
    gradebook; in this test process it asks once (the version is that of the installed nbgrader)."""
    import functools

    import nbgrader.api

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            nbgrader.api, "get_alembic_version", functools.cache(nbgrader.api.get_alembic_version)
        )
        yield


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def standin_dir() -> Path:
    from stream_course.standin import ensure_standin

    return ensure_standin()


@pytest.fixture(scope="session")
def model_and_tokenizer(standin_dir):
    from stream_course.models import load_model

    return load_model(str(standin_dir))


@pytest.fixture(scope="session")
def model(model_and_tokenizer):
    return model_and_tokenizer[0]


@pytest.fixture(scope="session")
def tokenizer(model_and_tokenizer):
    return model_and_tokenizer[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for this session (tests/postgres.py): its socket folder."""
    from .postgres import throwaway_server

    with throwaway_server() as socket:
        yield socket


DATABASES = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def gradebook_url(request, tmp_path, monkeypatch):
    """A new gradebook's URL: an SQLite file, then a database of its own on the PostgreSQL
    server, which the course's commands find through $STREAM_GRADEBOOK_URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gradebook.db'}"
    from .postgres import new_database

    server = request.getfixturevalue("postgres_server")
    url = new_database(server, f"gradebook_{next(DATABASES)}")
    monkeypatch.setenv("STREAM_GRADEBOOK_URL", url)
    return url


def package_tree(course_root: Path, into: Path) -> Path:
    """The package as pip fetches it from the repository (what a wheel is built from), without
    this checkout's clutter (an in-tree build/ would keep removed modules)."""
    import shutil

    into.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(course_root / name, into / name)
    shutil.copytree(
        course_root / "stream_course",
        into / "stream_course",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return into


@pytest.fixture(scope="session")
def answer_key():
    """A lesson's answer key (source/<assignment>/answer_key.py), as the grader loads it."""
    from stream_course.grader.judge import load_answer_key

    return lambda assignment: load_answer_key(ROOT / "source", assignment)


def recorded(slug, grade_id, model, tokenizer, **answers):
    """What a hidden test cell records in the kernel, as it travels in the notebook (JSON)."""
    import json

    from stream_course.checks.record import record_part
    from stream_course.lessons import lesson

    found = lesson(slug)
    payload = record_part(
        found.assignment, grade_id, found.parts[grade_id], answers, model, tokenizer
    )
    return json.loads(json.dumps(payload))


def judged(slug, grade_id, payloads, model, tokenizer, student_cells=None, given_cells=()):
    """The grader's verdict on one hidden test cell's recordings."""
    from stream_course.grader.judge import judge_cell
    from stream_course.lessons import lesson

    return judge_cell(
        lesson(slug).assignment,
        grade_id,
        payloads,
        1,
        student_cells or {},
        model,
        tokenizer,
        ROOT / "source",
        given_cells=given_cells,
    )


def korean(text: str) -> bool:
    """Whether ``text`` holds Hangul: a message meant for both languages has its Korean half."""
    return any("가" <= ch <= "힣" for ch in text)


# Under pytest-xdist (`make test`: --dist loadfile, so that a module's fixtures are built once;
# no reordering) files are handed out in this order: the longest first, so that no worker is left
# alone with a long file at the end.
LONGEST_FIRST = (
    "test_lessons_graded.py",
    "test_grading_pipeline.py",
    "test_student_install.py",
    "test_demo.py",
    "test_colab.py",
    "test_hub.py",
    "test_environment_failures.py",
    "test_editions.py",
    "test_notebooks.py",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the tests of one file keep their order
