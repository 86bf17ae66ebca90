"""nbgrader_config.py loads without error (nbgrader only logs a broken config and goes on with its
defaults, which would silently drop the stderr rule and the XP hooks)."""

import copy
import logging

import nbformat
import pytest
from jsonschema import ValidationError
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import SchemaMismatchError
from nbgrader.preprocessors import CheckCellMetadata
from traitlets.config.loader import PyFileConfigLoader

from stream_course.grader.metadata import CheckCellMetadataOnce, _MetadataValidator

from .conftest import LESSON01


def test_course_config_loads_with_the_course_hooks(course_root):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    assert config.CourseDirectory.course_id == "stream"
    assert config.IgnorePattern.enabled is True
    steps = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    assert steps.index("RecordProgress") == steps.index("SaveAutoGrades") + 1
    assert steps[:2] == ["SandboxedExecute", "JudgeAnswers"] and "Execute" not in steps
    sanitize = [step.__name__ for step in config.Autograde.sanitize_preprocessors]
    for names in (steps, sanitize):
        assert "CheckCellMetadataOnce" in names and "CheckCellMetadata" not in names
    feedback = [step.__name__ for step in config.GenerateFeedback.preprocessors]
    assert feedback[:2] == ["ClearHiddenTests", "ShortenTestTracebacks"]
    assert feedback[-1] == "ShowProgressInFeedback"
    assert "여기에 코드를 작성하세요" in config.ClearSolutions.code_stub["python"]


def _damage(notebook, which: str, changes: dict):
    damaged = copy.deepcopy(notebook)
    (cell,) = [c for c in damaged.cells if c.metadata.get("nbgrader", {}).get("grade_id") == which]
    for key, value in changes.items():
        if value is None:
            del cell.metadata.nbgrader[key]
        else:
            cell.metadata.nbgrader[key] = value
    return damaged


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"points": "four"},  # wrong type
        {"grade": None},  # a required key gone
        {"grade_id": ""},
        {"schema_version": 2},  # too old
        {"schema_version": 4},  # too new
        {"cell_type": "markdown"},  # changed cell type: warns, valid
    ],
)
def test_the_faster_metadata_check_decides_as_nbgraders(course_root, changes):
    release = course_root / "release" / LESSON01 / f"{LESSON01}.ipynb"
    notebook = _damage(nbformat.read(release, as_version=4), "cosine_neighbors", changes)
    outcomes = []
    for step in (CheckCellMetadata, CheckCellMetadataOnce):
        try:
            step(log=logging.getLogger("test")).preprocess(copy.deepcopy(notebook), {})
            outcomes.append("valid")
        except (ValidationError, SchemaMismatchError) as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    # What was wrong, as the log says it: the same from both validators.
    reasons = []
    for validator in (MetadataValidator, _MetadataValidator):
        try:
            validator().validate_nb(copy.deepcopy(notebook))
            reasons.append("valid")
        except (ValidationError, SchemaMismatchError) as error:
            reasons.append(f"{type(error).__name__}: {getattr(error, 'message', error)}")
    assert outcomes[0] == outcomes[1] and reasons[0] == reasons[1]
    assert (reasons[0] == "valid") == (changes in ({}, {"cell_type": "markdown"}))
