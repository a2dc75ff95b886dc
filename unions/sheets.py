"""The spreadsheet engine: every register sheet is imported and exported through here.

A sheet is a django-import-export ``ModelResource`` (:class:`SheetResource`) whose
fields (:class:`SheetField`) carry the Chinese header of ``spreadsheets.md`` and a widget
that parses what clerks really type, using ``unions.parsing``. The admin's
ImportMixin/ExportMixin and the ``importsheet``/``exportsheet`` commands use the very
same resources, so a rule or a scope check lives in one place.

What is replaced, and why (STYLE.md measured the stock path at ~300-1,100 rows/s):

- reading: .xlsx with python-calamine, .csv with ``csv.reader`` after
  ``decode_csv_bytes`` (UTF-8 with or without BOM, or GB18030/GBK);
- the per-row steps of ``Resource.import_row``: every existing key is loaded with one
  query per few thousand rows, foreign keys and many-to-many values come from caches
  built once (and limited to the importer's scope), every cell of every row is cleaned
  and *all* errors are collected; a file with any error writes nothing;
- the writes: one transaction that inserts new rows, updates changed ones and writes
  the django-simple-history rows ``bulk_create_with_history`` /
  ``bulk_update_with_history`` would (who, when, ``+``/``~``) plus the M2M snapshot they
  leave out, with multi-row INSERT (SQLite) or COPY (PostgreSQL): Django's
  ``bulk_create`` alone spent ~85 µs of CPU per case, over the 20 s budget at 100,000;
- export: one ``values_list`` query streamed into csv or a small streaming .xlsx
  writer (openpyxl's write-only mode took ~25 s for 100,000 rows here).

Measured by ``bench/import_cases.py``.

Scope: an import only creates or changes records in the importer's units
(``for_user``); a key that is on file outside them is refused with a message and its
record is never read into the result, so the preview cannot show its values.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import io
import logging
import re
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, ClassVar

import tablib
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, connections, models, router, transaction
from django.forms import Field as FormField
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import exceptions as ie_exceptions
from import_export import fields as ie_fields
from import_export import resources, widgets
from import_export.formats import base_formats
from import_export.results import InvalidRow, Result, RowResult
from simple_history.utils import get_history_model_for_model

from core.text import INVISIBLE_CHARACTERS
from unions.bulk import insert_history, insert_rows, insert_with_history, update_rows
from unions.parsing import (
    EXCEL_EPOCH,
    decode_csv_bytes,
    normalize_text,
    parse_bool_zh,
    parse_date,
    parse_int,
    parse_money,
    split_list,
)

logger = logging.getLogger("relief.sheets")

# The language of the sheets themselves (headers, vocabularies): the file format of
# spreadsheets.md, whatever language the admin is shown in.
SHEET_LANGUAGE = "zh-hans"
LIST_JOINER = "、"
FORMULA_PREFIXES = ("=", "+", "-", "@")

# Rows per ``__in`` lookup and per bulk write: well under every database's limit on
# query parameters, and large enough that round trips do not dominate.
LOOKUP_CHUNK = 5000
PROGRESS_EVERY = 2000

Progress = Callable[[str, int, int], None]


# --- errors --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetError:
    """One refusal: Excel row number (the header is row 1), column header, reason."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        # The wording of INTERFACES.md ("第N行 列名: 原因"): a promise to scripts, so it is
        # the same in every UI language.
        where = f"第{self.row}行" if self.row is not None else ""
        if self.column:
            where = f"{where} {self.column}".strip()
        return f"{where}: {self.message}" if where else self.message


class SheetFileError(Exception):
    """The file cannot be read as a sheet at all (format, encoding, no header)."""


class RowsRefused(Exception):
    """Raised by a ``write`` hook when a rule fails under the write's locks (e.g. a fund
    that another clerk emptied since the check): the transaction is rolled back and the
    errors are reported like any other."""

    def __init__(self, errors: Sequence[SheetError]):
        super().__init__(errors)
        self.errors = list(errors)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error)


# --- reading -------------------------------------------------------------------------


@dataclass
class SheetData:
    """A sheet as read from a file: the header row and the data rows with their numbers."""

    headers: list[Any]
    header_row: int
    rows: Iterable[tuple[int, Sequence[Any]]]
    total: int = 0  # data rows (an estimate for .xlsx), for progress only


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def _with_numbers(raw_rows: Iterable[Sequence[Any]]) -> tuple[list[Any], int, Iterator]:
    """Find the header (the first non-blank row) and number every row as Excel does."""
    iterator = iter(raw_rows)
    for header_row, cells in enumerate(iterator, 1):
        if not all(_is_blank(cell) for cell in cells):
            return list(cells), header_row, enumerate(iterator, header_row + 1)
    raise SheetFileError(_("The file is empty: the first row must hold the column headers."))


def read_xlsx(data: bytes) -> SheetData:
    """The first sheet of an .xlsx workbook, read with python-calamine (dates as dates)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
    except Exception as error:  # calamine raises its own types for every malformed file
        logger.info("unreadable xlsx: %r", error)
        raise SheetFileError(_("Cannot read the file: save it as an Excel .xlsx workbook."))
    headers, header_row, rows = _with_numbers(sheet.iter_rows())
    return SheetData(headers, header_row, rows, total=max(sheet.height - 1, 0))


def read_csv(data: bytes) -> SheetData:
    """A CSV file in UTF-8 (with or without BOM) or GB18030/GBK, as Chinese Excel saves it."""
    try:
        text = decode_csv_bytes(data)
    except ValueError as error:
        raise SheetFileError(str(error))
    lines = list(csv.reader(io.StringIO(text, newline="")))
    headers, header_row, rows = _with_numbers(lines)
    return SheetData(headers, header_row, rows, total=max(len(lines) - header_row, 0))


def read_sheet(data: bytes, file_name: str) -> SheetData:
    """Read an uploaded or local file by its ending (.xlsx or .csv)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    raise SheetFileError(_("Only .xlsx and .csv files can be imported."))


def sheet_from_dataset(dataset: tablib.Dataset) -> SheetData:
    """The admin hands over a tablib Dataset; keep Excel's row numbers where known."""
    header_row = getattr(dataset, "header_row", 1)
    headers = list(dataset.headers or [])
    rows = ((header_row + i, cells) for i, cells in enumerate(dataset, 1))
    return SheetData(headers, header_row, rows, total=len(dataset))


# --- cells: the widgets ----------------------------------------------------------------


def _strip_formula_escape(text: str) -> str:
    # Our export writes '=... for a cell that would start a formula; take it back off.
    if text[:1] == "'" and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text


def cell_text(value) -> str:
    """A cell as text: whole numbers without ".0", dates as 2007-02-07, ends stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _strip_formula_escape(str(value).translate(INVISIBLE_CHARACTERS).strip())


class SheetWidget(widgets.Widget):
    """A widget that parses one cell and raises ``ValueError``/``ValidationError``.

    ``clean`` returns ``None`` for a blank cell, so a field can tell "left empty" from a
    value. ``render`` returns the export value: text, or a native date/Decimal/int that
    the .xlsx writer stores as a real cell (the .csv writer turns it into plain text).
    """

    #: Format the whole .xlsx column as text, so Excel never turns it into a number.
    text_column: ClassVar[bool] = False

    def __init__(self, **kwargs):
        super().__init__(coerce_to_string=False)

    def prepare(self, resource: SheetResource) -> None:
        """Build caches for one import or export (called once, before the rows)."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "" or (value.__class__ is str and value.isspace()):
            return None
        return self.parse(value)

    def parse(self, value):
        return value

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value

    def template_choices(self) -> list[str] | None:
        """The drop-down list of a blank template's column (None: free input)."""
        return None

    #: Whether a value outside ``template_choices`` is refused by Excel (a fixed
    #: vocabulary) or only warned about (names that may also be typed as codes).
    strict_choices: ClassVar[bool] = True


class TextWidget(SheetWidget):
    """Free text: only the ends are stripped (a Chinese ， or （ stays as typed)."""

    def __init__(self, max_length: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def parse(self, value):
        text = cell_text(value)
        if self.max_length and len(text) > self.max_length:
            MaxLengthValidator(self.max_length)(text)  # raises, with Django's own words
        return text


class ChoiceWidget(SheetWidget):
    """One of a model's ``TextChoices``, by its Chinese label (as the sheets write it),
    its label in the current language, or its code."""

    def __init__(self, choices: type[models.Choices], unknown_message=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown value %(value)s: choose one of %(choices)s."
        )
        self._lookup: dict[str, str] | None = None
        self._labels: dict[str, str] = {}
        self._memo: dict[Any, str] = {}

    def _build(self) -> dict[str, str]:
        lookup: dict[str, str] = {}
        with translation.override(SHEET_LANGUAGE):
            self._labels = {value: str(label) for value, label in self.choices.choices}
        with translation.override("en"):
            english = {value: str(label) for value, label in self.choices.choices}
        current = {value: str(label) for value, label in self.choices.choices}
        for source in (english, current, {v: v for v in self._labels}, self._labels):
            for value, label in source.items():
                lookup[normalize_text(label).casefold()] = value
        return lookup

    def labels(self) -> dict[str, str]:
        if self._lookup is None:
            self._lookup = self._build()
        return self._labels

    def parse(self, value):
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        if self._lookup is None:
            self._lookup = self._build()
        try:
            code = self._lookup[normalize_text(cell_text(value)).casefold()]
        except KeyError:
            raise ValueError(
                self.unknown_message
                % {"value": cell_text(value), "choices": LIST_JOINER.join(self._labels.values())}
            )
        self._memo[value] = code
        return code

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return self.labels().get(value, value)

    def template_choices(self) -> list[str]:
        return list(self.labels().values())


class DateWidget(SheetWidget):
    """2007-02-07, 2007/2/7, 2007.2.7, 2007年2月7日, 20070207 or a real Excel date cell."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._memo: dict[Any, datetime.date] = {}

    def parse(self, value):
        # A register repeats its dates (registration days, birthdays): parse each once.
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        result = self._memo[value] = parse_date(value)
        return result

    def render(self, value, obj=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return "" if value is None else value


class MoneyWidget(SheetWidget):
    """Yuan: 800, 800.00, 1,000, 1，000.50, 800元, ￥800; never negative (or zero if
    ``positive``) unless ``signed``. Exported as a plain decimal: 1000.50, never 1,000.50."""

    def __init__(self, positive: bool = False, signed: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.positive, self.signed = positive, signed

    def parse(self, value):
        amount = parse_money(value)
        if self.signed:
            return amount
        if self.positive and amount <= 0:
            raise ValueError(_("The amount must be more than zero."))
        if amount < 0:
            raise ValueError(_("The amount cannot be negative."))
        return amount


class IntegerWidget(SheetWidget):
    def __init__(self, minimum: int | None = None, maximum: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, value):
        number = parse_int(value)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(_("Must be at least %(minimum)d.") % {"minimum": self.minimum})
        if self.maximum is not None and number > self.maximum:
            raise ValueError(_("Must be at most %(maximum)d.") % {"maximum": self.maximum})
        return number


class BooleanWidget(SheetWidget):
    """是/否 (also Y/N, yes/no, 1/0, √/×); exported as 是/否."""

    def parse(self, value):
        return parse_bool_zh(value)

    def template_choices(self) -> list[str]:
        return ["是", "否"]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        with translation.override(SHEET_LANGUAGE):
            return "是" if value else "否"


_MOBILE = re.compile(r"1\d{10}", re.ASCII)
_LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})", re.ASCII)
_PHONE_NOISE = re.compile(r"[\s\-－—–()（）]")


class PhoneWidget(SheetWidget):
    """A mobile number (11 digits starting with 1) or a landline such as 0512-12345678.

    Stored canonical: mobiles as 11 digits, landlines as area code, hyphen, number.
    """

    text_column = True

    def parse(self, value):
        if value.__class__ is str and _MOBILE.fullmatch(value):
            return value  # the usual case, already canonical
        text = normalize_text(cell_text(value))
        if text.startswith("(") or text.startswith("（"):
            text = text.replace(")", "-", 1).replace("）", "-", 1)
        compact = _PHONE_NOISE.sub("", text)
        if _MOBILE.fullmatch(compact):
            return compact
        match = _LANDLINE.fullmatch(text.replace(" ", "-").replace("--", "-"))
        if match is None and compact.isdigit() and compact.startswith("0"):
            area = 3 if compact[1] in "12" else 4  # 010, 02x are the 3-digit area codes
            match = _LANDLINE.fullmatch(f"{compact[:area]}-{compact[area:]}")
        if match:
            return f"{match[1]}-{match[2]}"
        raise ValueError(
            _(
                "Not a phone number: enter a mobile number of 11 digits "
                "or a landline such as 0512-12345678."
            )
        )


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget, SheetWidget):
    """A foreign key by name (or any of ``lookup_fields``), among the importer's rows only.

    The stock ``ForeignKeyWidget`` runs one query per row over *all* rows; this one
    loads the importer's scope once. A name outside the scope gets the same message as
    a name that does not exist.
    """

    def __init__(
        self, model, lookup_fields=("name",), unknown_message=None, extra_values=(), **kwargs
    ):
        super().__init__(model, field=lookup_fields[0], **kwargs)
        self.coerce_to_string = False
        self.lookup_fields = lookup_fields
        self.extra_values = tuple(extra_values)  # more columns kept in ``rows``
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown, or outside your scope: %(value)s."
        )
        self.user = None
        self.by_key: dict[str, int] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self._memo: dict[Any, int] = {}

    def get_queryset(self, value=None, row=None, *args, **kwargs):
        return self.model._default_manager.for_user(self.user)

    def prepare(self, resource: SheetResource) -> None:
        self.user = resource.user
        values = ("pk", *self.lookup_fields, *self.extra_values)
        self.rows = {row["pk"]: row for row in self.get_queryset().values(*values)}
        self.by_key = {}
        for pk, row in self.rows.items():
            for lookup in self.lookup_fields:
                if row[lookup]:
                    self.by_key.setdefault(normalize_text(row[lookup]).casefold(), pk)
        self._memo = {}

    def parse(self, value):
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        pk = self.by_key.get(normalize_text(cell_text(value)).casefold())
        if pk is None:
            raise ValueError(self.unknown_message % {"value": cell_text(value)})
        self._memo[value] = pk
        return pk

    def clean(self, value, row=None, **kwargs):
        return SheetWidget.clean(self, value, row, **kwargs)

    def render(self, value, obj=None, **kwargs):
        if isinstance(value, models.Model):
            return getattr(value, self.field)
        return "" if value is None else value

    strict_choices = False

    def template_choices(self) -> list[str]:
        return sorted({row[self.field] for row in self.rows.values() if row[self.field]})


class ScopedManyToManyWidget(widgets.ManyToManyWidget, SheetWidget):
    """Several related rows by name or code, in one cell separated by 、，,；; or spaces.

    Cleans to a sorted tuple of primary keys; exported as names joined with 、.
    """

    def __init__(self, model, lookup_fields=("name",), unknown_message=None, **kwargs):
        super().__init__(model, separator=LIST_JOINER, field=lookup_fields[0], **kwargs)
        self.coerce_to_string = False
        self.lookup_fields = lookup_fields
        self.unknown_message = unknown_message or gettext_lazy(
            "Unknown value %(value)s: choose from %(choices)s."
        )
        self.by_key: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self._memo: dict[Any, tuple[int, ...]] = {}

    def get_queryset(self):
        return self.model._default_manager.all()

    def prepare(self, resource: SheetResource) -> None:
        rows = list(self.get_queryset().values_list("pk", *self.lookup_fields))
        self.names = {row[0]: row[1] for row in rows}
        self.by_key = {}
        for pk, *keys in rows:
            for key in keys:
                if key:
                    self.by_key.setdefault(normalize_text(key).casefold(), pk)
        self._memo = {}

    def parse(self, value):
        try:
            return self._memo[value]
        except (KeyError, TypeError):
            pass
        pks, unknown = set(), []
        for part in split_list(cell_text(value)):
            pk = self.by_key.get(part.casefold())
            if pk is None:
                unknown.append(part)
            else:
                pks.add(pk)
        if unknown:
            raise ValueError(
                self.unknown_message
                % {
                    "value": LIST_JOINER.join(unknown),
                    "choices": LIST_JOINER.join(self.names.values()),
                }
            )
        result = tuple(sorted(pks))
        self._memo[value] = result
        return result

    def clean(self, value, row=None, **kwargs):
        return SheetWidget.clean(self, value, row, **kwargs)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if hasattr(value, "all"):
            value = [getattr(related, self.field) for related in value.all()]
        return LIST_JOINER.join(value)


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
    ):
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


def _header_key(text) -> str:
    return normalize_text(text).casefold()


# --- one row on its way through the import ----------------------------------------------

# What happens to a row (django-import-export's names: "new", "update", "skip").
NEW, UPDATE, SKIP = (
    RowResult.IMPORT_TYPE_NEW,
    RowResult.IMPORT_TYPE_UPDATE,
    RowResult.IMPORT_TYPE_SKIP,
)


def name_key(text) -> str:
    """A name as looked up: normalised (full-width, spaces) and case-folded."""
    return normalize_text(text or "").casefold()


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

    def add_error(self, column: str, message) -> None:
        self.errors.append((column, str(message)))


class SheetResult(Result):
    """django-import-export's ``Result`` plus every error as ``(row, column, reason)``."""

    def __init__(self, *args, **kwargs):
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
            "new": self.totals[RowResult.IMPORT_TYPE_NEW],
            "updated": self.totals[RowResult.IMPORT_TYPE_UPDATE],
            "unchanged": self.totals[RowResult.IMPORT_TYPE_SKIP],
        }

    def summary(self) -> str:
        # The wording of INTERFACES.md ("新增 N，更新 N，未变 N"), the same in every UI language.
        counts = self.counts
        return f"新增 {counts['new']}，更新 {counts['updated']}，未变 {counts['unchanged']}"


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector while a sheet is imported.

    An import allocates millions of small objects that live until it ends; each time
    the collector's thresholds are crossed it re-scans all of them (a quarter of the
    CPU time of a 100,000-row import here). Nothing an import creates needs it:
    reference counting frees it all, and the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# SQLite's default page cache (2 MiB) thrashes on a register with a dozen indexes: at
# 100,000 rows inserting the cases took 4.5 s of CPU with it and 2.7 s with 128 MiB.
SQLITE_IMPORT_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def _sqlite_page_cache(model):
    """A larger SQLite page cache for the length of an import (a per-connection setting)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


# --- the resource ----------------------------------------------------------------------


class SheetResource(resources.ModelResource):
    """A register sheet: the columns of spreadsheets.md, scope, the fast import and export.

    Subclasses declare :class:`SheetField` attributes, ``Meta.model``, ``Meta.fields``
    (the column order) and ``Meta.import_id_fields`` (the one key column), and may
    override the hooks ``validate_row``, ``prepare_instance`` and ``write``.
    """

    #: The sheet's name in spreadsheets.md, used for log lines and the .xlsx tab.
    sheet_title: ClassVar[str] = ""
    #: Every one of these is needed to import.
    import_permissions: ClassVar[tuple[str, ...]] = ()
    #: Any one of these is needed to export (defaults to the model's view permission).
    export_permissions: ClassVar[tuple[str, ...]] = ()
    #: ``exportsheet`` filters: option name -> field attribute.
    export_filters: ClassVar[dict[str, str]] = {}
    #: The relation to the model an admin list of these rows shows, if not this one.
    listed_by: ClassVar[str] = "pk"
    #: The order of exported rows (``pk`` last, so that it is total).
    export_ordering: ClassVar[tuple[str, ...]] = ("pk",)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        skip_diff = True  # the engine builds its own, cheaper preview
        clean_model_instances = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._prepared = False

    # --- the columns ---

    def sheet_fields(self) -> list[SheetField]:
        order = self._meta.fields or list(self.fields)
        return [self.fields[name] for name in order if isinstance(self.fields[name], SheetField)]

    def headers(self) -> list[str]:
        return [f.column_name for f in self.sheet_fields()]

    def get_diff_headers(self):
        return self.headers()

    def get_import_fields(self):
        return self.sheet_fields()

    def get_export_fields(self, selected_fields=None):
        return self.sheet_fields()

    def get_user_visible_fields(self):
        return self.sheet_fields()

    @property
    def key_field(self) -> SheetField:
        return self.fields[self._meta.import_id_fields[0]]

    def column_of(self, attribute: str) -> str:
        for sheet_field in self.sheet_fields():
            if sheet_field.attribute == attribute:
                return sheet_field.column_name
        return self.key_field.column_name

    # --- scope and permissions ---

    def get_queryset(self):
        """The rows this user may see: what export and every lookup start from."""
        return self._meta.model._default_manager.for_user(self.user)

    def scope_unit_ids(self) -> set[int]:
        if not hasattr(self, "_scope_unit_ids"):
            from unions.models import UnionUnit

            units = UnionUnit.objects.for_user(self.user)
            self._scope_unit_ids = set(units.values_list("pk", flat=True))
        return self._scope_unit_ids

    def in_scope(self, instance: models.Model) -> bool:
        """Whether ``instance`` belongs to the importer's units (one-hop ``scope_field``)."""
        if not hasattr(self, "_scope_attname"):
            scope_field = self._meta.model._default_manager.none().scope_field
            self._scope_attname = self._meta.model._meta.get_field(scope_field).attname
        return getattr(instance, self._scope_attname) in self.scope_unit_ids()

    def out_of_scope_message(self, instance: models.Model) -> str:
        """What a row hears when its key is on file outside the importer's scope."""
        return _("This record belongs to a unit outside your scope.")

    def check_import_permission(self) -> None:
        user = self.user
        if user is None or not user.is_active or not user.has_perms(self.import_permissions):
            raise PermissionDenied(
                _("You may not import %(sheet)s.") % {"sheet": self.sheet_title}
            )

    def check_export_permission(self) -> None:
        opts = self._meta.model._meta
        needed = self.export_permissions or (f"{opts.app_label}.view_{opts.model_name}",)
        user = self.user
        if user is None or not user.is_active or not any(user.has_perm(p) for p in needed):
            raise PermissionDenied(
                _("You may not export %(sheet)s.") % {"sheet": self.sheet_title}
            )

    def prepare(self) -> None:
        if not self._prepared:
            for sheet_field in self.sheet_fields():
                sheet_field.widget.prepare(self)
            self._prepared = True

    # --- import: the django-import-export entry point ---

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """The admin's ImportMixin calls this for the preview and again to confirm."""
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        result = self.import_sheet(
            sheet_from_dataset(dataset),
            dry_run=dry_run,
            file_name=kwargs.get("file_name") or "",
            with_diff=dry_run,
            retain_instances=bool(kwargs.get("retain_instance_in_row_result")),
        )
        if raise_errors and result.errors:
            raise ie_exceptions.ImportError(str(result.errors[0]))
        return result

    # --- import: the engine ---

    def import_sheet(
        self,
        sheet: SheetData,
        *,
        dry_run: bool = False,
        file_name: str = "",
        progress: Progress | None = None,
        with_diff: bool = False,
        retain_instances: bool = False,
    ) -> SheetResult:
        """Check every cell of every row; write all rows in one transaction, or none.

        Raises ``PermissionDenied`` for a user who may not import this sheet.
        """
        self.check_import_permission()
        with _cyclic_gc_paused(), _sqlite_page_cache(self._meta.model):
            return self._import_sheet(
                sheet, dry_run, file_name, progress, with_diff, retain_instances
            )

    def _import_sheet(
        self, sheet, dry_run, file_name, progress, with_diff, retain_instances
    ) -> SheetResult:
        started = time.perf_counter()
        result = SheetResult()
        result.dry_run, result.file_name = dry_run, file_name
        result.diff_headers = self.headers()

        columns = self._map_headers(sheet, result)
        if result.errors:
            return self._finish(result, [], started)
        self.prepare()
        rows = self._clean_rows(sheet, columns, progress)
        result.total_rows = len(rows)
        self.resolve_rows(rows)
        self.check_duplicate_keys(rows)
        self.load_existing(rows)
        for row in rows:
            # Rows with a bad cell are still planned and checked, so that the clerk sees
            # every error at once; a failed cell simply counts as "not given".
            if row.key is not None:
                self.plan_row(row)
                self.validate_row(row)
                self.clean_instance(row)
        self.validate_rows(rows)
        self._build_result(result, rows, with_diff)
        if result.errors:
            return self._finish(result, rows, started)
        if not dry_run:
            try:
                with transaction.atomic():
                    self.write(rows, progress)
                    self.log_import(result)
            except IntegrityError as error:
                # Someone wrote a conflicting row between our check and our write.
                logger.warning("import of %s failed on write: %s", file_name, error)
                result.errors.append(
                    SheetError(None, "", _("The register changed while importing: try again."))
                )
                result.append_base_error(self.get_error_result_class()(error))
            except RowsRefused as refused:
                result.errors.extend(refused.errors)
                for error in refused.errors:
                    result.append_base_error(self.get_error_result_class()(error))
                self._discard_counts(result)
            else:
                if retain_instances:
                    for row_result, row in zip(result.rows, rows, strict=True):
                        row_result.instance = row.instance
                        row_result.object_id = row.instance.pk
        return self._finish(result, rows, started)

    def _finish(self, result: SheetResult, rows: list[SheetRow], started: float) -> SheetResult:
        result.seconds = time.perf_counter() - started
        username = getattr(self.user, "username", None)
        if result.errors:
            logger.info(
                "import refused: user=%s sheet=%s file=%s rows=%d errors=%d",
                username,
                self.sheet_title,
                result.file_name,
                len(rows),
                len(result.errors),
            )
        else:
            logger.info(
                "import%s: user=%s sheet=%s file=%s new=%d updated=%d unchanged=%d in %.1f s",
                " (dry run)" if result.dry_run else "",
                username,
                self.sheet_title,
                result.file_name,
                *result.counts.values(),
                result.seconds,
            )
        return result

    def _map_headers(self, sheet: SheetData, result: SheetResult) -> list[tuple[int, SheetField]]:
        by_key: dict[str, SheetField] = {}
        for sheet_field in self.sheet_fields():
            for key in sheet_field.header_keys():
                by_key.setdefault(key, sheet_field)
        columns: list[tuple[int, SheetField]] = []
        seen: dict[str, int] = {}
        row = sheet.header_row
        for index, header in enumerate(sheet.headers):
            if _is_blank(header):
                continue
            sheet_field = by_key.get(_header_key(cell_text(header)))
            if sheet_field is None:
                result.errors.append(
                    SheetError(
                        row,
                        cell_text(header),
                        _("Unknown column: use the column headers of the template (%(headers)s).")
                        % {"headers": LIST_JOINER.join(self.headers())},
                    )
                )
            elif sheet_field.attribute in seen:
                result.errors.append(
                    SheetError(row, sheet_field.column_name, _("This column appears twice."))
                )
            else:
                seen[sheet_field.attribute] = index
                columns.append((index, sheet_field))
        for sheet_field in self.sheet_fields():
            if sheet_field.required and sheet_field.attribute not in seen:
                result.errors.append(
                    SheetError(row, sheet_field.column_name, _("This required column is missing."))
                )
        return columns

    def _clean_rows(
        self, sheet: SheetData, columns: list[tuple[int, SheetField]], progress: Progress | None
    ) -> list[SheetRow]:
        plan = [
            (index, f.attribute, f.column_name, f.required, f.widget.clean) for index, f in columns
        ]
        key_attribute = self.key_field.attribute
        required_message = str(FormField.default_error_messages["required"])  # Django's words
        rows: list[SheetRow] = []
        total = sheet.total
        for number, cells in sheet.rows:
            width = len(cells)
            if all(_is_blank(cell) for cell in cells):
                continue
            values: dict[str, Any] = {}
            errors: list[tuple[str, str]] = []
            for index, attribute, column, required, clean in plan:
                value = cells[index] if index < width else None
                try:
                    cleaned = clean(value)
                except (ValueError, ValidationError) as error:
                    errors.append((column, _message(error)))
                    continue
                if cleaned is None and required:
                    errors.append((column, required_message))
                    continue
                values[attribute] = cleaned
            row = SheetRow(number, values, errors=errors)
            row.key = values.get(key_attribute)
            if errors:
                row.raw = list(cells)
            rows.append(row)
            if progress and len(rows) % PROGRESS_EVERY == 0:
                progress("check", len(rows), max(total, len(rows)))
        if progress:
            progress("check", len(rows), len(rows))
        return rows

    def resolve_rows(self, rows: list[SheetRow]) -> None:
        """Hook: look up, in bulk, what cells refer to (e.g. a person by ID number), and
        set ``row.key`` where it is more than one cell."""

    def check_duplicate_keys(self, rows: list[SheetRow]) -> None:
        first_seen: dict[Any, int] = {}
        column = self.key_field.column_name
        for row in rows:
            if row.key is None:
                continue
            other = first_seen.setdefault(row.key, row.number)
            if other != row.number:
                row.add_error(column, self.duplicate_key_message(other))
                row.key = None

    def duplicate_key_message(self, other: int) -> str:
        column = self.key_field.column_name
        return _("The same %(column)s as row %(other)d: each may appear only once.") % {
            "column": column,
            "other": other,
        }

    # --- hooks: existing rows, planning, rules, writing ---

    def load_existing(self, rows: list[SheetRow]) -> None:
        """Attach the record on file for each key: one query per ``LOOKUP_CHUNK`` keys.

        A key on file outside the importer's scope becomes an error on the key column
        (``out_of_scope_message``); that record is never attached to the row.
        """
        model = self._meta.model
        key_attribute = self.key_field.attribute
        wanted = [row for row in rows if row.key is not None]
        found: dict[Any, models.Model] = {}
        manager = model._default_manager
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            keys = [row.key for row in wanted[start : start + LOOKUP_CHUNK]]
            for instance in manager.filter(**{f"{key_attribute}__in": keys}):
                found[getattr(instance, key_attribute)] = instance
        m2m_fields = [f for f in self.sheet_fields() if f.is_m2m and not f.readonly]
        current_m2m = self._load_m2m([obj.pk for obj in found.values()], m2m_fields)
        column = self.key_field.column_name
        for row in wanted:
            instance = found.get(row.key)
            if instance is None:
                continue
            if not self.in_scope(instance):
                row.add_error(column, self.out_of_scope_message(instance))
                row.key = None
                continue
            row.instance = instance
            row.import_type = RowResult.IMPORT_TYPE_UPDATE
            for sheet_field in m2m_fields:
                row.old_m2m[sheet_field.attribute] = current_m2m[sheet_field.attribute].get(
                    instance.pk, ()
                )

    def _load_m2m(
        self, pks: list[int], m2m_fields: list[SheetField]
    ) -> dict[str, dict[int, tuple[int, ...]]]:
        result: dict[str, dict[int, tuple[int, ...]]] = {}
        for sheet_field in m2m_fields:
            through, source, target = self._through(sheet_field)
            links: dict[int, list[int]] = defaultdict(list)
            for start in range(0, len(pks), LOOKUP_CHUNK):
                chunk = pks[start : start + LOOKUP_CHUNK]
                for owner, related in through.objects.filter(
                    **{f"{source}_id__in": chunk}
                ).values_list(f"{source}_id", f"{target}_id"):
                    links[owner].append(related)
            result[sheet_field.attribute] = {k: tuple(sorted(v)) for k, v in links.items()}
        return result

    def _through(self, sheet_field: SheetField):
        model_field = self._meta.model._meta.get_field(sheet_field.attribute)
        return (
            model_field.remote_field.through,
            model_field.m2m_field_name(),
            model_field.m2m_reverse_field_name(),
        )

    def _plan(self) -> list[tuple[str, str | None, bool, bool, Any]]:
        """Per stored column, once: attribute, attname, is M2M, keeps default, blank value."""
        if not hasattr(self, "_plan_cache"):
            opts = self._meta.model._meta
            plan = []
            for sheet_field in self.sheet_fields():
                if sheet_field.readonly:
                    continue
                if sheet_field.is_m2m:
                    plan.append((sheet_field.attribute, None, True, False, ()))
                    continue
                model_field = opts.get_field(sheet_field.attribute)
                keeps_default = model_field.has_default() and not model_field.null
                blank = None if model_field.null else ""
                plan.append(
                    (sheet_field.attribute, model_field.attname, False, keeps_default, blank)
                )
            self._plan_cache = plan
        return self._plan_cache

    def init_instance(self, row=None):
        """A new instance with the model's defaults, evaluated once per import.

        Passing every field positionally skips ``Model.__init__``'s per-field default
        lookups (a third of the planning time at 100,000 rows); mutable defaults such as
        ``list`` are copied for each instance.
        """
        if not hasattr(self, "_defaults"):
            model = self._meta.model
            template = model()
            self._defaults = [getattr(template, f.attname) for f in model._meta.concrete_fields]
            self._mutable = [
                i for i, value in enumerate(self._defaults) if isinstance(value, list | dict | set)
            ]
        values = list(self._defaults)
        for i in self._mutable:
            values[i] = values[i].copy()
        return self._meta.model(*values)

    def plan_row(self, row: SheetRow) -> None:
        """Decide new / update / unchanged and put the file's values on the instance.

        A blank cell empties the field, except where the model has a default (the default
        for a new row, unchanged for a record on file); a missing column changes nothing.
        """
        is_new = row.instance is None
        if is_new:
            row.instance = self.init_instance()
            row.import_type = RowResult.IMPORT_TYPE_NEW
        instance, values = row.instance, row.values
        for attribute, attname, is_m2m, keeps_default, blank in self._plan():
            if is_m2m:
                old = row.old_m2m.get(attribute, ())
                row.m2m[attribute] = (values[attribute] or ()) if attribute in values else old
                if not is_new and row.m2m[attribute] != old:
                    row.old[attribute] = old
                continue
            if attribute not in values:
                continue
            value = values[attribute]
            if value is None:
                if keeps_default:
                    continue
                value = blank
            if is_new:
                setattr(instance, attname, value)
                continue
            old = getattr(instance, attname)
            if old != value:
                row.old[attribute] = old
                setattr(instance, attname, value)
        if not is_new and not row.old:
            row.import_type = RowResult.IMPORT_TYPE_SKIP

    def validate_row(self, row: SheetRow) -> None:
        """Rules across cells and against the record on file; add errors to ``row``."""

    def validate_rows(self, rows: list[SheetRow]) -> None:
        """Rules across rows (e.g. what the file's payments together take out of a fund)."""

    def clean_instance(self, row: SheetRow) -> None:
        """Hook: the model's own cross-field rules (``Model.clean``), mapped to the columns."""
        if row.errors or row.import_type == RowResult.IMPORT_TYPE_SKIP:
            return
        try:
            row.instance.clean()
        except ValidationError as error:
            for attribute, messages in error.message_dict.items():
                column = self.column_of(attribute) if attribute != NON_FIELD_ERRORS else ""
                for message in messages:
                    row.add_error(column or self.key_field.column_name, message)

    def prepare_instance(self, row: SheetRow, now: datetime.datetime) -> None:
        """Last touches before writing (values the database does not fill in bulk)."""

    def write(self, rows: list[SheetRow], progress: Progress | None = None) -> None:
        """Insert new rows, update changed ones, record their history and M2M links.

        The rows and history written are those of ``bulk_create_with_history`` /
        ``bulk_update_with_history`` (type ``+``/``~``, ``history_user`` the importer, one
        ``history_date``) plus the M2M snapshot they leave out; they are written with
        ``insert_rows`` / ``update_rows`` because Django's ``bulk_create`` spent ~85 µs
        of CPU per case here, and simple-history's helpers build a model instance more
        per row. Like ``bulk_create``, this sends no ``post_save`` signals.
        """
        model = self._meta.model
        opts = model._meta
        now = timezone.now()
        new = [row for row in rows if row.import_type == RowResult.IMPORT_TYPE_NEW]
        changed = [row for row in rows if row.import_type == RowResult.IMPORT_TYPE_UPDATE]
        auto_now = [f.attname for f in opts.concrete_fields if getattr(f, "auto_now", False)]
        auto_now_add = [
            f.attname for f in opts.concrete_fields if getattr(f, "auto_now_add", False)
        ]
        for row in new:
            self.prepare_instance(row, now)
            for attname in (*auto_now, *auto_now_add):
                setattr(row.instance, attname, now)
        for row in changed:
            self.prepare_instance(row, now)
            for attname in auto_now:
                setattr(row.instance, attname, now)
        total = len(new) + len(changed)

        history_ids = insert_with_history(
            model, [row.instance for row in new], user=self.user, now=now
        )
        if progress:
            progress("write", len(new), total)

        # Update only the columns a row changes: one UPDATE shape per set of columns, so
        # a value the file did not touch is never written back.
        m2m_names = {f.attribute for f in self.sheet_fields() if f.is_m2m}
        groups: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
        for row in changed:
            names = {opts.get_field(a).attname for a in row.old if a not in m2m_names}
            names.update(opts.get_field(name).attname for name in row.extra_changed)
            groups[tuple(sorted(names | set(auto_now)))].append(row.instance)
        for attnames, group in groups.items():
            update_rows(model, attnames, group)
        if progress:
            progress("write", total, total)

        history_ids.update(
            insert_history(model, [row.instance for row in changed], "~", user=self.user, now=now)
        )
        self._write_m2m(new, changed, history_ids)

    def _write_m2m(self, new: list[SheetRow], changed: list[SheetRow], history_ids) -> None:
        model = self._meta.model
        history_model = get_history_model_for_model(model) if history_ids else None
        history_m2m = {f.name for f in getattr(history_model, "_history_m2m_fields", ())}
        for sheet_field in self.sheet_fields():
            if not sheet_field.is_m2m or sheet_field.readonly:
                continue
            attribute = sheet_field.attribute
            through, source, target = self._through(sheet_field)
            owners_to_clear = [row.instance.pk for row in changed if attribute in row.old]
            for start in range(0, len(owners_to_clear), LOOKUP_CHUNK):
                chunk = owners_to_clear[start : start + LOOKUP_CHUNK]
                through.objects.filter(**{f"{source}_id__in": chunk}).delete()
            pairs = [
                (row.instance.pk, related)
                for row in (*new, *(r for r in changed if attribute in r.old))
                for related in row.m2m.get(attribute, ())
            ]
            link_fields = [
                through._meta.get_field(source),
                through._meta.get_field(target),
            ]
            link_ids = insert_rows(through, link_fields, (list(pair) for pair in pairs))
            if attribute not in history_m2m:
                continue
            # Every written history row gets the M2M state it describes, as simple-history
            # does on save(); its bulk helpers leave this out.
            links = [
                (i, owner, related) for i, (owner, related) in zip(link_ids, pairs, strict=True)
            ]
            kept = [row.instance.pk for row in changed if attribute not in row.old]
            for start in range(0, len(kept), LOOKUP_CHUNK):
                links.extend(
                    through.objects.filter(
                        **{f"{source}_id__in": kept[start : start + LOOKUP_CHUNK]}
                    ).values_list("pk", f"{source}_id", f"{target}_id")
                )
            m2m_history_model = getattr(history_model, attribute).model
            m2m_fields = [
                m2m_history_model._meta.get_field(name)
                for name in ("id", source, target, "history")
            ]
            insert_rows(
                m2m_history_model,
                m2m_fields,
                ([i, owner, related, history_ids[owner]] for i, owner, related in links),
                returning=False,
            )

    def log_import(self, result: SheetResult) -> None:
        counts = result.counts
        message = _(
            "Imported %(sheet)s from file %(file)s: %(new)d new, %(updated)d updated, "
            "%(unchanged)d unchanged"
        ) % {"sheet": self.sheet_title, "file": result.file_name, **counts}
        self._log_entry(result.file_name, message)

    def _log_entry(self, file_name: str, message: str) -> None:
        # One admin log entry per file (not per row): who, when, which file, what came of it.
        LogEntry.objects.create(
            user_id=self.user.pk,
            content_type_id=ContentType.objects.get_for_model(self._meta.model).pk,
            object_id=None,
            object_repr=(file_name or self.sheet_title)[:200],
            action_flag=ADDITION,
            change_message=message,
        )

    # --- the result the admin and the CLI show ---

    def _build_result(self, result: SheetResult, rows: list[SheetRow], with_diff: bool) -> None:
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
            row_result = row_class()
            row_result.import_type = row.import_type
            row_result.object_id = row.instance.pk
            row_result.object_repr = self.object_repr(row)
            if with_diff:
                row_result.diff = self._diff(row)
            result.totals[row.import_type] += 1
            result.rows.append(row_result)
        if result.errors:
            self._discard_counts(result)

    @staticmethod
    def _discard_counts(result: SheetResult) -> None:
        # Nothing is written, so nothing counts as new, updated or unchanged.
        for import_type in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
            RowResult.IMPORT_TYPE_SKIP,
        ):
            result.totals[import_type] = 0
        result.rows = []

    def _raw_by_header(self, row: SheetRow) -> list[Any]:
        return [cell_text(v) if v is not None else "" for v in (row.raw or ())]

    def object_repr(self, row: SheetRow) -> str:
        return str(row.values.get("name") or row.key)

    def _diff(self, row: SheetRow) -> list[str]:
        """The preview cells: the value on file struck through beside the new one."""
        cells = []
        for sheet_field in self.sheet_fields():
            attribute = sheet_field.attribute
            new = self._display(sheet_field, row)
            if attribute in row.old:
                old = self.display_value(sheet_field, row.old[attribute])
                cells.append(mark_safe(f"<del>{escape(old)}</del> <ins>{escape(new)}</ins>"))
            else:
                cells.append(escape(new))
        return cells

    def _display(self, sheet_field: SheetField, row: SheetRow) -> str:
        if sheet_field.is_m2m:
            return self.display_value(sheet_field, row.m2m.get(sheet_field.attribute, ()))
        if sheet_field.readonly:
            return self.display_value(sheet_field, row.values.get(sheet_field.attribute))
        attname = self._meta.model._meta.get_field(sheet_field.attribute).attname
        return self.display_value(sheet_field, getattr(row.instance, attname))

    def display_value(self, sheet_field: SheetField, value) -> str:
        widget = sheet_field.widget
        if isinstance(widget, ScopedForeignKeyWidget) and value is not None:
            value = widget.rows.get(value, {}).get(widget.field, value)
        elif isinstance(widget, ScopedManyToManyWidget):
            value = [widget.names.get(pk, str(pk)) for pk in value or ()]
        return export_text(widget.render(value))

    # --- export ---

    def export_queryset(self, queryset=None, **filters):
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

    def apply_export_filters(self, queryset, filters: dict[str, Any]):
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

    def iter_export_rows(self, queryset) -> Iterator[list[Any]]:
        """Rows of export values: one ``values_list`` query, M2M names in one more each."""
        self.prepare()
        sheet_fields = self.sheet_fields()
        plain = [f for f in sheet_fields if not f.is_m2m]
        lookups = ["pk", *(f.export_lookup for f in plain)]
        m2m_names = {f.attribute: self._export_m2m(f, queryset) for f in sheet_fields if f.is_m2m}
        position = {f.attribute: i for i, f in enumerate(plain, 1)}
        # Per column: where its value comes from (a position, or an M2M map) and its renderer.
        columns = [
            (m2m_names.get(f.attribute), position.get(f.attribute), self.export_renderer(f))
            for f in sheet_fields
        ]
        ordered = queryset.order_by(*self.export_ordering).values_list(*lookups)
        for values in ordered.iterator(chunk_size=LOOKUP_CHUNK):
            row = []
            for names, index, render in columns:
                value = render(names.get(values[0], ()) if index is None else values[index])
                row.append(escape_formula(value))
            yield row

    def _export_m2m(self, sheet_field: SheetField, queryset) -> dict[int, list[str]]:
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

    def export(self, queryset=None, **kwargs):
        """The admin's ExportMixin: a tablib Dataset of the same columns, in scope."""
        self.check_export_permission()
        rows = self.iter_export_rows(self.export_queryset(queryset))
        dataset = tablib.Dataset(headers=self.headers(), title=self.sheet_title[:31])
        for row in rows:
            dataset.append(row)
        return dataset

    def write_export(self, target, file_name: str, queryset=None, **filters) -> int:
        """Write an export as .xlsx or .csv (by ``file_name``'s ending); returns the row count.

        ``target`` is a path or a binary file. Recorded in the admin log.
        """
        self.check_export_permission()
        suffix = Path(file_name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ValueError(_("Export to a file ending in .xlsx or .csv."))
        rows = self.iter_export_rows(self.export_queryset(queryset, **filters))
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


def escape_formula(value):
    """Text that Excel would run as a formula (= + - @) gets a leading quote.

    The import takes that quote off again (``cell_text``), so an export re-imports as is.
    """
    if value.__class__ is str and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_text(value) -> str:
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


def write_csv(target, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UTF-8 with a BOM, so that Chinese Excel opens it without mojibake."""
    own = isinstance(target, str | Path)
    binary = open(target, "wb") if own else target  # noqa: SIM115 - closed below
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
# rows of 16 columns on the reference machine; this writes them in a few seconds.
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XML_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_ESCAPES.update((c, None) for c in range(32) if c not in (9, 10, 13))
_XML_ESCAPES.update({0xFFFE: None, 0xFFFF: None})
_STYLE_DATE, _STYLE_MONEY, _STYLE_HEADER, _STYLE_TEXT = 1, 2, 3, 4

_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, remainder = divmod(n - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _xlsx_cell(ref: str, value, header: bool = False) -> str:
    kind = value.__class__
    if kind is str:
        if not value:
            return ""
        text = value.translate(_XML_ESCAPES)
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        style = f' s="{_STYLE_HEADER}"' if header else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if value is None:
        return ""
    if kind is Decimal:
        return f'<c r="{ref}" s="{_STYLE_MONEY}"><v>{value:f}</v></c>'
    if kind is datetime.date:
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if kind is datetime.datetime:
        return _xlsx_cell(ref, value.date())
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return _xlsx_cell(ref, str(value), header)


def write_xlsx(
    target,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Sheet1",
    text_columns: Sequence[int] = (),
) -> int:
    """Stream rows into a one-sheet .xlsx; returns the number of data rows."""
    letters = _column_letters(len(headers))
    sheet_name = (sheet_name or "Sheet1")[:31].translate(_XML_ESCAPES)
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="22" style="{_STYLE_TEXT}" customWidth="1"/>'
        if i in text_columns
        else f'<col min="{i + 1}" max="{i + 1}" width="14" customWidth="1"/>'
        for i in range(len(headers))
    )
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr(
            "xl/workbook.xml",
            _XML_HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    _XML_HEAD + f'<worksheet xmlns="{_NS}"><sheetViews>'
                    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    f"<cols>{cols}</cols><sheetData>"
                    '<row r="1">'
                    + "".join(
                        _xlsx_cell(f"{letter}1", header, header=True)
                        for letter, header in zip(letters, headers, strict=True)
                    )
                    + "</row>"
                ).encode()
            )
            buffer: list[str] = []
            for number, row in enumerate(rows, 2):
                buffer.append(
                    f'<row r="{number}">'
                    + "".join(
                        _xlsx_cell(f"{letter}{number}", value)
                        for letter, value in zip(letters, row, strict=False)
                    )
                    + "</row>"
                )
                count += 1
                if len(buffer) >= 1000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            buffer.append("</sheetData></worksheet>")
            sheet.write("".join(buffer).encode())
    return count


TEMPLATE_ROWS = 5000  # rows of a blank template that get the drop-down lists


def write_template(resource: SheetResource) -> bytes:
    """A blank .xlsx for one sheet: its headers, drop-down lists for its vocabularies
    (on a hidden sheet, so lists of any length fit) and text-formatted ID columns."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    resource.prepare()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = resource.sheet_title[:31] or "Sheet1"
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    sheet.append(resource.headers())
    sheet.freeze_panes = "A2"
    list_column = 0
    for index, sheet_field in enumerate(resource.sheet_fields(), 1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, 2 * len(sheet_field.column_name) + 4)
        widget = sheet_field.widget
        if widget.text_column:
            # Excel would turn an 18-digit ID number into 3.20583E+17.
            sheet.column_dimensions[letter].width = 22
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        choices = widget.template_choices()
        if not choices:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=sheet_field.column_name)
        for offset, choice in enumerate(choices, 2):
            lists.cell(row=offset, column=list_column, value=choice)
        validation = DataValidation(
            type="list",
            formula1=f"'选项'!${list_letter}$2:${list_letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if widget.strict_choices else "warning",
            errorTitle=sheet_field.column_name,
            error=_("Choose a value from the list."),
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- formats for the admin's ImportMixin / ExportMixin -----------------------------------


class SheetXLSX(base_formats.XLSX):
    """.xlsx read with python-calamine and written with the streaming writer."""

    def create_dataset(self, in_stream):
        sheet = read_xlsx(bytes(in_stream))
        return _dataset(sheet)

    def export_data(self, dataset, **kwargs):
        buffer = io.BytesIO()
        write_xlsx(buffer, dataset.headers, dataset, dataset.title or "Sheet1")
        return buffer.getvalue()


class SheetCSV(base_formats.CSV):
    """.csv in UTF-8 (with or without BOM) or GB18030/GBK; written as UTF-8 with BOM."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return _dataset(read_csv(bytes(in_stream)))

    def export_data(self, dataset, **kwargs):
        buffer = io.BytesIO()
        write_csv(buffer, dataset.headers, dataset)
        return buffer.getvalue()


def _dataset(sheet: SheetData) -> tablib.Dataset:
    """A tablib Dataset that keeps Excel's row numbers (blank rows stay, as blanks)."""
    width = len(sheet.headers)
    headers = [cell_text(h) if h is not None else "" for h in sheet.headers]
    dataset = tablib.Dataset(headers=headers)
    expected = sheet.header_row + 1
    for number, cells in sheet.rows:
        while expected < number:  # keep numbering when the reader skipped a row
            dataset.append([""] * width)
            expected += 1
        cells = list(cells[:width]) + [""] * (width - len(cells))
        dataset.append(cells)
        expected += 1
    dataset.header_row = sheet.header_row
    return dataset


# --- which resource serves each sheet ----------------------------------------------------


class UnknownSheet(LookupError):
    pass


def sheet_kinds() -> list[str]:
    return list(settings.RELIEF_SHEETS)


def sheet_resource(kind: str) -> type[SheetResource]:
    """The resource class of ``kind`` (``settings.RELIEF_SHEETS``); raises ``UnknownSheet``."""
    from django.utils.module_loading import import_string

    try:
        return import_string(settings.RELIEF_SHEETS[kind])
    except KeyError:
        raise UnknownSheet(kind) from None


def import_file(
    resource: SheetResource,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SheetResult:
    """Import a local file (the ``importsheet`` command); raises ``SheetFileError``."""
    path = Path(path)
    resource.check_import_permission()
    sheet = read_sheet(path.read_bytes(), path.name)
    return resource.import_sheet(sheet, dry_run=dry_run, file_name=path.name, progress=progress)


__all__ = [
    "BooleanWidget",
    "ChoiceWidget",
    "DateWidget",
    "IntegerWidget",
    "NEW",
    "SKIP",
    "UPDATE",
    "MoneyWidget",
    "PhoneWidget",
    "ScopedForeignKeyWidget",
    "ScopedManyToManyWidget",
    "SheetCSV",
    "SheetData",
    "SheetError",
    "SheetField",
    "SheetFileError",
    "SheetResource",
    "SheetResult",
    "SheetRow",
    "SheetWidget",
    "SheetXLSX",
    "TextWidget",
    "UnknownSheet",
    "escape_formula",
    "name_key",
    "import_file",
    "read_sheet",
    "sheet_kinds",
    "sheet_resource",
    "write_csv",
    "write_template",
    "write_xlsx",
]
