"""Results and the preview's diffs: what the admin and the CLI show."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.safestring import mark_safe
from import_export.results import InvalidRow, Result, RowResult

from core.money import format_yuan
from sheets.context import ImportContext
from sheets.errors import SheetError
from sheets.export import export_text
from sheets.fields import SheetField
from sheets.host import SheetHost
from sheets.rows import NEW, SKIP, UPDATE, SheetRow
from sheets.widgets import (
    MoneyWidget,
    ScopedForeignKeyWidget,
    ScopedManyToManyWidget,
    cell_text,
)


class SheetResult(Result):
    """django-import-export's ``Result`` plus every error as ``(row, column, reason)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors: list[SheetError] = []
        self.dry_run = False
        self.file_name = ""
        self.seconds = 0.0

    def has_errors(self) -> bool:
        # Every refusal (a header, a cell, a row) stops the import: the admin then shows
        # the list instead of the confirm button.
        return bool(self.errors) or super().has_errors()

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": self.totals[NEW],
            "updated": self.totals[UPDATE],
            "unchanged": self.totals[SKIP],
        }

    def summary(self) -> str:
        # The wording of INTERFACES.md ("新增 N，更新 N，未变 N"), the same in every UI language.
        counts = self.counts
        return f"新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']}"


class ResultsMixin(SheetHost):
    # --- the result the admin and the CLI show ---

    def _build_result(
        self,
        result: SheetResult,
        rows: list[SheetRow],
        with_diff: bool,
        context: ImportContext,
        *,
        keep_rows: bool = True,
    ) -> None:
        headers = result.diff_headers
        order = {header: i for i, header in enumerate(headers)}
        row_class = self.get_row_result_class()
        for row in rows:
            if row.errors:
                row.errors.sort(key=lambda e: order.get(e[0], -1))
                grouped: dict[str, list[str]] = defaultdict(list)
                for column, message in row.errors:
                    result.errors.append(SheetError(row.number, column, message))
                    grouped[column or NON_FIELD_ERRORS].append(message)
                result.invalid_rows.append(
                    InvalidRow(
                        number=row.number,
                        validation_error=ValidationError(dict(grouped)),
                        values=tuple(self._raw_by_header(row)),
                    )
                )
                result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
                continue
            result.totals[row.import_type] += 1
            if not keep_rows:
                continue
            row_result = row_class()
            row_result.import_type = row.import_type
            row_result.object_id = row.record.pk
            row_result.object_repr = self.object_repr(row, context)
            if with_diff:
                row_result.diff = self._diff(row, context)
            result.rows.append(row_result)
        if result.errors:
            self._discard_counts(result)

    @staticmethod
    def _discard_counts(result: SheetResult) -> None:
        # Nothing is written, so nothing counts as new, updated or unchanged.
        for import_type in (
            NEW,
            UPDATE,
            SKIP,
        ):
            result.totals[import_type] = 0
        result.rows = []

    def _raw_by_header(self, row: SheetRow) -> list[Any]:
        return [cell_text(v) if v is not None else "" for v in (row.raw or ())]

    def object_repr(self, row: SheetRow, context: ImportContext) -> str:
        """Hook: how the preview names the row's record."""
        return str(row.values.get("name") or row.key)

    def _diff(self, row: SheetRow, context: ImportContext) -> list[str]:
        """The preview cells: the value on file struck through beside the new one."""
        cells: list[str] = []
        for sheet_field in self.sheet_fields():
            attribute = sheet_field.attribute
            new = self._display(sheet_field, row, context)
            if attribute in row.old:
                old = self.display_value(sheet_field, row.old[attribute], context)
                cells.append(mark_safe(f"<del>{escape(old)}</del> <ins>{escape(new)}</ins>"))
            else:
                cells.append(escape(new))
        return cells

    def _display(self, sheet_field: SheetField, row: SheetRow, context: ImportContext) -> str:
        attribute = sheet_field.attribute
        if sheet_field.is_m2m:
            return self.display_value(sheet_field, row.m2m.get(attribute, ()), context)
        if sheet_field.readonly:
            return self.display_value(sheet_field, row.values.get(attribute), context)
        attname = self._meta.model._meta.get_field(attribute).attname
        return self.display_value(sheet_field, getattr(row.instance, attname), context)

    def display_value(self, sheet_field: SheetField, value: Any, context: ImportContext) -> str:
        """Hook: a stored value as the preview shows it (a pk as its name, …)."""
        widget = sheet_field.widget
        if isinstance(widget, ScopedForeignKeyWidget) and value is not None:
            value = widget.rows.get(value, {}).get(widget.field, value)
        elif isinstance(widget, ScopedManyToManyWidget):
            value = [widget.names.get(pk, str(pk)) for pk in value or ()]
        elif isinstance(widget, MoneyWidget) and isinstance(value, Decimal | int):
            # as every page shows money (1,234.50); the sheet itself is written plain
            return format_yuan(Decimal(value))
        return export_text(widget.render(value))
