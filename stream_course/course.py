"""The course directory and its editions: source/ -> release/ (nbgrader) -> notebooks/ (self-study).

The repository root is an nbgrader course directory. ``build_editions`` regenerates the committed
student editions from ``source/`` with nbgrader's own ``generate_assignment``, in a scratch copy
so that the instructor's ``gradebook.db`` is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbformat is imported where it is used: `stream-course autograde` starts faster
    import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
COURSE_ID = "stream"  # nbgrader's course id, used by nbgrader_config.py and every Gradebook here


def find_course_root(start: Path | None = None) -> Path:
    """The nearest directory (``start`` or a parent) that holds ``nbgrader_config.py``."""
    start = (start or Path.cwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / "nbgrader_config.py").exists() and (folder / "source").is_dir():
            return folder
    raise SystemExit(
        f"No course directory (nbgrader_config.py + source/) at or above {start}.\n"
        f"{start}이나 그 상위 폴더에 course 폴더(nbgrader_config.py와 source/)가 없습니다. "
        "Run this from the repository root / 저장소 최상위 폴더에서 실행하세요."
    )


def assignments(root: Path) -> list[str]:
    """Assignment (lesson) names: the folders of source/, in order."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and p.name[0] != ".")


def run_nbgrader(
    root: Path, *args: str, quiet: bool = True, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the real ``nbgrader`` command of this environment in ``root``; raise on failure
    unless ``check`` is False."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(bin_dir / "nbgrader"), *args]
    result = subprocess.run(command, cwd=root, env=env, capture_output=quiet, text=True)
    if check and result.returncode != 0:
        tail = (result.stderr or "")[-3000:] if quiet else ""
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed in {root}:\n{tail}")
    return result


def generate_every_assignment(course: Path) -> None:
    """``nbgrader generate_assignment`` for every lesson in ``course``'s source/, in one run
    (nbgrader reads its assignment id as a glob): about 1 s a lesson instead of 6."""
    run_nbgrader(course, "generate_assignment", "*", "--force")


def scratch_course(root: Path, into: Path) -> Path:
    """A copy of the course's config and source/ in ``into``: a course with an empty gradebook."""
    shutil.copy2(root / "nbgrader_config.py", into / "nbgrader_config.py")
    shutil.copytree(root / "source", into / "source")
    return into


COLAB = "https://colab.research.google.com/github/stream-course/stream/blob/main/notebooks"
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
TABLE_START, TABLE_END = "<!-- lessons: written by `make build` -->", "<!-- /lessons -->"


def lesson_table() -> str:
    """The README's lesson table, from the registry's metadata."""
    from stream_course.lessons import TRACK_LENGTH, all_lessons

    rows = ["| # | Lesson | Time | Tags |", "|---|--------|------|------|"]
    for found in all_lessons():
        short_ko = found.title_ko.split(":")[0]
        link = f"[![Open In Colab]({BADGE})]({COLAB}/{found.assignment}.ipynb)"
        rows.append(
            f"| {found.number:02d} / {TRACK_LENGTH} | {found.title} / {short_ko} {link} "
            f"| ~{found.minutes} min | {', '.join(found.tags)} |"
        )
    return "\n".join(rows)


def readme_with_lesson_table(readme: str) -> str:
    before, rest = readme.split(TABLE_START, 1)
    _, after = rest.split(TABLE_END, 1)
    return f"{before}{TABLE_START}\n{lesson_table()}\n{TABLE_END}{after}"


def build_editions(root: Path, out: Path | None = None) -> list[Path]:
    """Write release/<a>/<a>.ipynb and notebooks/<a>.ipynb for every lesson, and the README's
    lesson table, under ``out`` (default: the course root itself). Returns the files written."""
    import nbformat

    out = out or root
    readme = out / "README.md"
    readme.write_text(readme_with_lesson_table((root / "README.md").read_text()))
    written = [readme]
    with tempfile.TemporaryDirectory() as scratch:
        course = scratch_course(root, Path(scratch))
        generate_every_assignment(course)
        for name in assignments(root):
            shutil.rmtree(out / "release" / name, ignore_errors=True)
            shutil.copytree(course / "release" / name, out / "release" / name)
            for notebook in sorted((out / "release" / name).glob("*.ipynb")):
                edition = out / "notebooks" / notebook.name
                edition.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(self_study_edition(nbformat.read(notebook, as_version=4)), edition)
                written += [notebook, edition]
    return written


def self_study_edition(release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook a student opens straight from the repository. It keeps nbgrader's metadata,
    so a copy downloaded from Colab and uploaded to an LMS can still be autograded."""
    import nbformat

    edition = nbformat.from_dict(release)
    edition.metadata.setdefault("stream", {})["edition"] = "self-study"
    return edition


def solution_sources(source: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> the reference answer of each solution cell of an authored notebook."""
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if ln.strip() not in SOLUTION_MARKERS]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def fill_answers(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a release notebook with some solution cells replaced, as a student would."""
    import nbformat

    filled = nbformat.from_dict(release)
    known = set()
    for cell in filled.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id]
            known.add(grade_id)
    unknown = set(answers) - known
    if unknown:
        raise KeyError(f"no solution cells named {sorted(unknown)} in this notebook")
    return filled
