"""The per-import context: what one import knows besides its rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import timezone

from sheets.constants import Progress

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from unions.models import User


class StoredColumn(NamedTuple):
    """How ``plan_row`` puts one stored column on the instance (worked out once per import)."""

    attribute: str
    attname: str  # "" for a many-to-many column
    is_m2m: bool
    keeps_default: bool  # a blank cell keeps the model's default (or the value on file)
    blank: Any  # what a blank cell stores otherwise: None or ""
    resolved: bool  # stored from ``row.resolved`` (a record its cell names), not the cell


@dataclass(eq=False, kw_only=True)
class ImportContext:
    """Created by the pipeline for each import and passed to every hook.

    Everything one import learns beyond its rows lives here, never on the resource: the
    engine's own tables (the stored columns, the model's defaults) and, in a subclass a
    sheet names as ``SheetResource.context_class``, the sheet's (the funds in scope,
    the agreements of the file, …), filled by its ``start_import`` hook. A resource can
    thus run two imports, one after the other, without either seeing the other's state.
    """

    user: User | AnonymousUser | None
    dry_run: bool = False
    file_name: str = ""
    progress: Progress | None = None
    #: The day of the import, for every row (verifications, exits, birth dates).
    today: datetime.date = field(default_factory=timezone.localdate)
    #: The stored columns in the sheet's order (``SheetResource.stored_columns``).
    columns: list[StoredColumn] = field(default_factory=list)
    #: The model's field defaults, evaluated once; ``mutable`` are the positions to copy.
    defaults: list[Any] = field(default_factory=list)
    mutable: list[int] = field(default_factory=list)
    #: The model's attribute that says which unit a record belongs to (``scope_field``).
    scope_attname: str = ""

    @cached_property
    def scope_unit_ids(self) -> set[int]:
        """The pks of the units the importer may write in (one query, when first asked)."""
        from unions.models import UnionUnit

        return set(UnionUnit.objects.for_user(self.user).values_list("pk", flat=True))
