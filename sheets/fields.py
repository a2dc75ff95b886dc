"""Fields (one column each) and the header keys they are matched by."""

from __future__ import annotations

from collections.abc import Sequence

from import_export import fields as ie_fields
from import_export import widgets

from core.text import normalize_text
from sheets.widgets import SheetWidget

# --- fields ----------------------------------------------------------------------------


class SheetField(ie_fields.Field):
    """One column: its Chinese header, the model attribute and how a cell is parsed.

    ``required``: the column must be present and the cell filled. ``readonly``: the
    cell is parsed and checked (e.g. 性别 against the ID number) but not stored.
    ``export_lookup``: what ``values_list`` reads for export (e.g. ``unit__name``).
    A blank cell sets the field empty, except for a field with a model default
    (建档日期, 档案状态): the default for a new row, unchanged for an existing one.
    """

    def __init__(
        self,
        attribute: str,
        column_name: str,
        widget: SheetWidget,
        *,
        required: bool = False,
        readonly: bool = False,
        export_lookup: str | None = None,
        aliases: Sequence[str] = (),
    ) -> None:
        super().__init__(
            attribute=attribute, column_name=column_name, widget=widget, readonly=readonly
        )
        self.required = required
        self.export_lookup = export_lookup or attribute
        self.aliases = tuple(aliases)

    @property
    def is_m2m(self) -> bool:
        return isinstance(self.widget, widgets.ManyToManyWidget)

    def header_keys(self) -> set[str]:
        keys = {_header_key(self.column_name), _header_key(self.attribute)}
        keys.update(_header_key(alias) for alias in self.aliases)
        for key in list(keys):
            keys.add(key.removesuffix("(元)"))
        return keys


def _header_key(text: str) -> str:
    return normalize_text(text).casefold()


def name_key(text: str | None) -> str:
    """A name as looked up: normalised (full-width, spaces) and case-folded."""
    return normalize_text(text or "").casefold()
