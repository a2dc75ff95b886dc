"""Export: one query streamed into csv or .xlsx."""

from __future__ import annotations

import csv
import datetime
import io
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accesslog.services import record_export
from sheets.constants import FORMULA_PREFIXES, LOOKUP_CHUNK
from sheets.errors import _message
from sheets.fields import SheetField
from sheets.host import SheetHost
from sheets.widgets import ScopedForeignKeyWidget
from sheets.xlsx import write_xlsx

if TYPE_CHECKING:
    from unions.querysets import ScopedQuerySet

logger = logging.getLogger("relief.sheets")


# What a plain column's M2M map is: never read (its values come from its position).
_NO_NAMES: dict[int, list[str]] = {}


class ExportMixin(SheetHost):
    # --- export ---

    def export_queryset(
        self, queryset: models.QuerySet[Any] | None = None, **filters: Any
    ) -> ScopedQuerySet:
        """The user's rows (intersected with ``queryset`` if given), filtered.

        ``queryset`` is a list in the admin: of the sheet's model, or of the model its
        rows belong to (``listed_by``: a pairing sheet's rows are the beneficiaries of
        the agreements listed).
        """
        scoped = self.get_queryset()
        if queryset is not None:
            via = "pk" if queryset.model is self._meta.model else self.listed_by
            scoped = scoped.filter(**{f"{via}__in": queryset.values("pk")})
        return self.apply_export_filters(scoped, filters)

    def apply_export_filters(
        self, queryset: ScopedQuerySet, filters: dict[str, Any]
    ) -> ScopedQuerySet:
        """``exportsheet`` options: values as a clerk types them, parsed by the widgets.

        Raises ``ValueError`` with a message for an unknown option or value.
        """
        from unions.models import UnionUnit

        self.prepare()
        for option, value in filters.items():
            if value in (None, ""):
                continue
            if option not in self.export_filters:
                raise ValueError(
                    _("This sheet cannot be filtered by %(option)s.") % {"option": option}
                )
            sheet_field = self.fields[self.export_filters[option]]
            try:
                cleaned = sheet_field.widget.clean(value)
            except (ValueError, ValidationError) as error:
                raise ValueError(f"{sheet_field.column_name}: {_message(error)}")
            if isinstance(sheet_field.widget, ScopedForeignKeyWidget) and (
                sheet_field.widget.model is UnionUnit
            ):
                # A unit means the unit and every unit below it.
                queryset = queryset.in_units(UnionUnit.objects.filter(pk=cleaned))
            else:
                queryset = queryset.filter(**{sheet_field.attribute: cleaned})
        return queryset

    def export_renderer(self, sheet_field: SheetField) -> Callable[[Any], Any]:
        """Hook: how one column's stored value becomes its cell (e.g. a masked ID number)."""
        return sheet_field.widget.render

    def iter_export_rows(self, queryset: models.QuerySet[Any]) -> Iterator[list[Any]]:
        """Rows of export values: one ``values_list`` query, M2M names in one more each."""
        self.prepare()
        sheet_fields = self.sheet_fields()
        plain = [f for f in sheet_fields if not f.is_m2m]
        lookups = ["pk", *(f.export_lookup for f in plain)]
        m2m_names = {f.attribute: self._export_m2m(f, queryset) for f in sheet_fields if f.is_m2m}
        position = {f.attribute: i for i, f in enumerate(plain, 1)}
        # Per column: where its value comes from (a position, or an M2M map) and its renderer.
        columns = [
            (
                m2m_names.get(f.attribute, _NO_NAMES),
                position.get(f.attribute),
                self.export_renderer(f),
            )
            for f in sheet_fields
        ]
        ordered = queryset.order_by(*self.export_ordering).values_list(*lookups)
        for values in ordered.iterator(chunk_size=LOOKUP_CHUNK):
            row = []
            for names, index, render in columns:
                value = render(names.get(values[0], ()) if index is None else values[index])
                row.append(escape_formula(value))
            yield row

    def _export_m2m(
        self, sheet_field: SheetField, queryset: models.QuerySet[Any]
    ) -> dict[int, list[str]]:
        through, source, target = self._through(sheet_field)
        related = self._meta.model._meta.get_field(sheet_field.attribute).related_model
        ordering = [f"{target}__{o}" for o in related._meta.ordering] or [f"{target}_id"]
        names: dict[int, list[str]] = defaultdict(list)
        links = (
            through.objects.filter(**{f"{source}__in": queryset.values("pk")})
            .order_by(*ordering)
            .values_list(f"{source}_id", f"{target}__{sheet_field.widget.field}")
        )
        for owner, name in links.iterator(chunk_size=LOOKUP_CHUNK):
            names[owner].append(name)
        return names

    def write_export(
        self,
        target: str | Path | IO[bytes],
        file_name: str,
        queryset: models.QuerySet[Any] | None = None,
        **filters: Any,
    ) -> int:
        """Write an export as .xlsx or .csv (by ``file_name``'s ending); returns the row count.

        ``target`` is a path or a binary file. Recorded in the admin log.
        """
        self.check_export_permission()
        suffix = Path(file_name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ValueError(_("Export to a file ending in .xlsx or .csv."))
        exported = self.export_queryset(queryset, **filters)
        rows = self.iter_export_rows(exported)
        started = time.perf_counter()
        if suffix == ".xlsx":
            count = write_xlsx(
                target, self.headers(), rows, self.sheet_title, self._text_columns()
            )
        else:
            count = write_csv(target, self.headers(), rows)
        message = _("Exported %(sheet)s to file %(file)s, rows: %(rows)d") % {
            "sheet": self.sheet_title,
            "file": Path(file_name).name,
            "rows": count,
        }
        self._log_entry(Path(file_name).name, message)
        # PRIVACY.md: every export is in the access log, with the persons it holds.
        record_export(
            user=self.user,
            sheet=self.sheet_title,
            file_name=Path(file_name).name,
            rows=count,
            queryset=exported,
            filters=filters,
        )
        logger.info(
            "export: user=%s sheet=%s file=%s rows=%d in %.1f s",
            getattr(self.user, "username", None),
            self.sheet_title,
            file_name,
            count,
            time.perf_counter() - started,
        )
        return count

    def _text_columns(self) -> list[int]:
        return [i for i, f in enumerate(self.sheet_fields()) if f.widget.text_column]


# --- writing files -----------------------------------------------------------------------


def escape_formula(value: Any) -> Any:
    """Text that Excel would run as a formula (= + - @) gets a leading quote.

    The import takes that quote off again (``cell_text``), so an export re-imports as is.
    """
    if value.__class__ is str and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_text(value: Any) -> str:
    """A cell as plain text for CSV: 2007-02-07, 1000.50 (never 1,000.50)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def write_csv(
    target: str | Path | IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """UTF-8 with a BOM, so that Chinese Excel opens it without mojibake."""
    own = isinstance(target, str | Path)
    binary: IO[bytes] = (
        open(target, "wb")  # noqa: SIM115 - closed below
        if isinstance(target, str | Path)
        else target
    )
    try:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(headers)
        count = 0
        for row in rows:
            writer.writerow([export_text(value) for value in row])
            count += 1
        text.flush()
        text.detach()
    finally:
        if own:
            binary.close()
    return count


# A minimal streaming .xlsx (SpreadsheetML) writer: strings inline, numbers, dates with a
# date format, a bold frozen header. openpyxl's write-only mode needed ~25 s for 100,000
