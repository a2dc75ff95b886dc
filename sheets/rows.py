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
    """A data row: its cells as parsed, what they refer to, and what becomes of it.

    Each attribute holds one kind of value for the whole import:

    - ``values``: the cells as their widgets cleaned them (text, a date, an amount, the
      pk a unit's name stands for), by attribute; a cell that failed is left out. The
      hooks never replace them.
    - ``resolved``: the records the cells refer to that a widget cannot look up alone
      (the person an ID number names, the fund a name names in the paying unit), set by
      the resource's ``resolve_rows``. A stored column whose cell names a record this
      way is stored from here (``ImportContext.columns``), never from its text.
    - ``key``: what identifies the row's record (the key cell, or a tuple a
      ``compute_keys`` hook builds). ``None`` only means the row has none (its key
      cell is blank or failed): such a row is not planned.
    - ``refused``: set by :meth:`refuse`: the row goes no further (not matched, planned
      or checked), because what it says cannot be taken (a person outside the scope,
      a duplicate of an earlier row). A row with only :meth:`add_error` errors is still
      planned and checked, so that the clerk sees every error at once.
    """

    number: int
    values: dict[str, Any]
    raw: Sequence[Any] | None = None  # the cells as read, kept for a row with errors
    key: Any = None
    resolved: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    instance: models.Model | None = None
    import_type: str = ""
    old: dict[str, Any] = field(default_factory=dict)
    m2m: dict[str, tuple[int, ...]] = field(default_factory=dict)
    old_m2m: dict[str, tuple[int, ...]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Model fields a hook changes besides the sheet's columns (e.g. verified_by).
    extra_changed: set[str] = field(default_factory=set)

    @property
    def plannable(self) -> bool:
        """Whether the row is matched, planned and checked: it has a key and no refusal."""
        return self.key is not None and not self.refused

    @property
    def record(self) -> models.Model:
        """``instance`` once the row is planned: ``plan_row`` gives every keyed row one,
        and only planned rows reach the result and the writes."""
        assert self.instance is not None, f"row {self.number} was not planned"
        return self.instance

    def add_error(self, column: str, message: object) -> None:
        """An error on ``column``; the row is still planned and checked."""
        self.errors.append((column, str(message)))

    def refuse(self, column: str, message: object) -> None:
        """An error on ``column`` that stops the row: it is not matched, planned or checked."""
        self.errors.append((column, str(message)))
        self.refused = True
