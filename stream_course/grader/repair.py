"""Give nbgrader a submission it can grade, whatever happened to it on the student's side.

nbgrader trusts each cell's ``metadata.nbgrader``. After a Colab or LMS round trip it may be gone,
and a duplicated cell makes nbgrader stop the whole batch ("old version of the nbgrader
metadata"). ``repair_submission`` compares the submission with the released notebook and:

- keeps the last copy of a duplicated graded cell (as nbgrader's own DeduplicateIds does) and
  turns earlier copies into plain cells instead of leaving them with empty metadata;
- gives back lost metadata: a cell whose source equals a released read-only or test cell gets that
  cell's metadata; a missing answer cell is found between the same neighbours as in the release;
- says what it did, so the instructor sees which submissions were repaired or look wrong.

``RepairSubmission`` runs it as autograde's first step (nbgrader_config.py).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from stream_course.grader import batch_report


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def repair_submission(
    submission: nbformat.NotebookNode, release: nbformat.NotebookNode
) -> list[str]:
    """Repair ``submission`` in place against ``release``; return what was done (empty: nothing)."""
    notes = _drop_duplicate_ids(submission)
    released = [cell for cell in release.cells if _grade_id(cell)]
    present = {_grade_id(cell) for cell in submission.cells if _grade_id(cell)}
    missing = [cell for cell in released if _grade_id(cell) not in present]
    if not missing:
        return notes

    restored = _match_by_source(submission, missing) + _match_by_position(submission, released)
    if restored:
        notes.append(f"cell metadata restored for {', '.join(restored)}")
    still_missing = [
        _grade_id(cell)
        for cell in released
        if _grade_id(cell) not in {_grade_id(c) for c in submission.cells}
    ]
    if still_missing:
        notes.append(f"cells not found: {', '.join(still_missing)}")
    if len(still_missing) > len(released) // 2:
        notes.append("this does not look like the released notebook (wrong notebook?)")
    return notes


def _drop_duplicate_ids(submission) -> list[str]:
    seen, dropped = set(), []
    for cell in reversed(submission.cells):
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            dropped.append(grade_id)
        seen.add(grade_id)
    return (
        [f"duplicated cells kept once (the last copy): {', '.join(sorted(set(dropped)))}"]
        if dropped
        else []
    )


def _match_by_source(submission, missing) -> list[str]:
    """Read-only and test cells are unchanged by students: find them by their exact source."""
    by_source = {
        (cell.cell_type, cell.source.strip()): cell
        for cell in missing
        if cell.metadata["nbgrader"].get("locked") and cell.source.strip()
    }
    restored = []
    for cell in submission.cells:
        if "nbgrader" in cell.metadata:
            continue
        original = by_source.pop((cell.cell_type, cell.source.strip()), None)
        if original is not None:
            cell.metadata["nbgrader"] = dict(original.metadata["nbgrader"])
            restored.append(_grade_id(original))
    return restored


def _match_by_position(submission, released) -> list[str]:
    """An answer cell lies between the same two known cells as in the release; when students
    added cells there too, take the one most like the released stub (its signature, its comment)."""
    restored = []
    for index, cell in enumerate(released):
        grade_id = _grade_id(cell)
        if grade_id in {_grade_id(c) for c in submission.cells}:
            continue
        before = {_grade_id(c) for c in released[:index]}
        after = {_grade_id(c) for c in released[index + 1 :]}
        positions = [i for i, c in enumerate(submission.cells) if _grade_id(c) in before]
        start = max(positions) + 1 if positions else 0
        ends = [i for i, c in enumerate(submission.cells) if _grade_id(c) in after and i >= start]
        end = min(ends) if ends else len(submission.cells)
        candidates = [
            c
            for c in submission.cells[start:end]
            if c.cell_type == cell.cell_type and "nbgrader" not in c.metadata
        ]
        if not candidates:
            continue
        best = max(
            candidates,
            key=lambda c: difflib.SequenceMatcher(None, c.source, cell.source).ratio(),
        )
        best.metadata["nbgrader"] = dict(cell.metadata["nbgrader"])
        restored.append(grade_id)
    return restored


class RepairSubmission(NbGraderPreprocessor):
    """First step of autograde: repair lost or duplicated cell metadata against the release
    (stream_course.grader.repair), and note what was done in the autograded notebook's metadata."""

    release_directory = Unicode("release", help="the course's release/ folder").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        release_path = (
            Path(self.release_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
        )
        if not release_path.exists():
            self.log.warning("No released notebook at %s: submission not checked", release_path)
            return nb, resources
        notes = repair_submission(nb, nbformat.read(release_path, as_version=4))
        if notes:
            nb.metadata.setdefault("stream", {})["repairs"] = notes
            for note in notes:
                self.log.warning("%s/%s: %s", info["student"], info["assignment"], note)
                batch_report.flag(info["student"], info["assignment"], f"repaired: {note}")
        return nb, resources
