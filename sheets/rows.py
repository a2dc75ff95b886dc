"""One row on its way through the import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from import_export.results import RowResult

# --- one row on its way through the import ----------------------------------------------

# What happens to a row (django-import-export's names: "new", "update", "skip").
NEW, UPDATE, SKIP = (
    RowResult.IMPORT_TYPE_NEW,
    RowResult.IMPORT_TYPE_UPDATE,
    RowResult.IMPORT_TYPE_SKIP,
)


@dataclass(slots=True)
class SheetRow:
    number: int
    values: dict[str, Any]  # cleaned cells by attribute; a failed cell is left out
    raw: Sequence[Any] | None = None
    key: Any = None
    instance: models.Model | None = None
    import_type: str = ""
    old: dict[str, Any] = field(default_factory=dict)
    m2m: dict[str, tuple[int, ...]] = field(default_factory=dict)
    old_m2m: dict[str, tuple[int, ...]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Model fields a hook changes besides the sheet's columns (e.g. verified_by).
    extra_changed: set[str] = field(default_factory=set)

    @property
    def record(self) -> models.Model:
        """``instance`` once the row is planned: ``plan_row`` gives every keyed row one,
        and only planned rows reach the result and the writes."""
        assert self.instance is not None, f"row {self.number} was not planned"
        return self.instance

    def add_error(self, column: str, message: object) -> None:
        self.errors.append((column, str(message)))
