"""nbgrader's cell-metadata check (autograde runs it in both passes), its schema checked once per
process instead of once per cell."""

from __future__ import annotations

import traceback

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import validator_for
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata


class _SchemaCheckedOnce(BaseMetadataValidator):
    """Cell metadata validated as ``jsonschema.validate`` does (same errors), minus its check of
    the schema itself on every call: that was 0.23 s of each autograded notebook (two passes of
    33 cells)."""

    _validators: dict[int, object] = {}  # schema version -> validator, schema checked

    def validate_cell(self, cell: NotebookNode) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nothing to check, or nbgrader's version error
        if self.schema_version not in self._validators:
            cls = validator_for(self.schema)
            cls.check_schema(self.schema)
            self._validators[self.schema_version] = cls(self.schema)
        error = best_match(self._validators[self.schema_version].iter_errors(meta))
        if error is not None:
            raise error


class _MetadataValidator(MetadataValidatorV3, _SchemaCheckedOnce):
    """nbgrader's current validator; its per-cell schema check goes to _SchemaCheckedOnce."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's CheckCellMetadata (autograde runs it in both passes), with _MetadataValidator."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        try:
            _MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            raise ValidationError(
                "Notebook failed to validate; the nbgrader metadata may be corrupted."
            ) from None
        return nb, resources
