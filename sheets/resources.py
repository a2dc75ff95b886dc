"""The spreadsheet engine: every register sheet is imported and exported through here.

A sheet is a django-import-export ``ModelResource`` (:class:`SheetResource`) whose
fields (:class:`SheetField`) carry the Chinese header of ``spreadsheets.md`` and a widget
that parses what clerks really type, using ``sheets.parsing``. The admin's
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
import datetime
import gc
import itertools
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.forms import Field as FormField
from django.utils.translation import gettext as _
from import_export import exceptions as ie_exceptions
from import_export import resources

from sheets.bulk import WriterMixin
from sheets.constants import LIST_JOINER, PROGRESS_EVERY, Progress
from sheets.context import ImportContext, StoredColumn
from sheets.errors import RowsRefused, SheetError, _message
from sheets.export import ExportMixin
from sheets.fields import SheetField, _header_key
from sheets.formats import SheetDataset
from sheets.limits import RefusedCell
from sheets.loaders import KeyLoader
from sheets.readers import SheetData, _is_blank, sheet_from_dataset
from sheets.results import ResultsMixin, SheetResult
from sheets.rows import NEW, SKIP, SheetRow
from sheets.widgets import ScopedForeignKeyWidget, ScopedManyToManyWidget, cell_text

if TYPE_CHECKING:
    import tablib
    from django.contrib.auth.models import AnonymousUser

    from unions.models import User
    from unions.querysets import ScopedQuerySet

logger = logging.getLogger("relief.sheets")


def _offset(progress: Progress, before: int, total: int) -> Progress:
    """A chunk's progress as the whole file's: its rows counted after those before it."""

    def report(stage: str, done: int, of: int) -> None:
        progress(stage, before + done, max(total, before + of))

    return report


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
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
def _sqlite_page_cache(model: type[models.Model]) -> Iterator[None]:
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


class SheetResource(WriterMixin, ResultsMixin, ExportMixin, resources.ModelResource):
    """A register sheet: the columns of spreadsheets.md, scope, the fast import and export.

    Subclasses declare :class:`SheetField` attributes, ``Meta.model``, ``Meta.fields``
    (the column order) and ``Meta.import_id_fields`` (the one key column), and may
    override the hooks of the pipeline (``_import_sheet``), each passed the import's
    :class:`ImportContext`, in the order they run:

    1. ``start_import``: the sheet's per-import lookups, into its ``context_class``;
    2. (the engine cleans every cell into ``row.values``; ``row.key`` is the key cell)
    3. ``resolve_rows``: what cells refer to beyond a widget's lookup -> ``row.resolved``;
    4. ``compute_keys``: ``row.key`` where it is more than the key cell;
    5. ``loader_class(...).load``: repeated keys refused, the records on file attached;
    6. per row: ``plan_row`` (new / update / unchanged, the values on the instance),
       ``validate_row`` (rules across cells), ``clean_instance`` (the model's rules);
    7. ``plan_groups``: what several rows describe together;
    8. ``validate_rows``: rules across rows;
    9. ``write`` (with ``prepare_instance`` per row), in one transaction, if no errors.
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
    #: Which record on file each row is (``sheets.loaders``).
    loader_class: ClassVar[type[KeyLoader]] = KeyLoader
    #: Rows checked and written this many at a time, all in one transaction, so that
    #: an import's memory is bounded by a chunk (and the keys seen), not by the file;
    #: None: the whole sheet at once. Only for a sheet whose rows are checked against
    #: the register and their own key alone: a rule across rows sees one chunk.
    chunk_rows: ClassVar[int | None] = None
    #: What one import knows besides its rows: a subclass adds the sheet's own tables.
    context_class: ClassVar[type[ImportContext]] = ImportContext

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        skip_diff = True  # the engine builds its own, cheaper preview
        clean_model_instances = False

    def __init__(self, user: User | AnonymousUser | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self._prepared = False

    # --- the columns ---

    def sheet_fields(self) -> list[SheetField]:
        order = self._meta.fields or list(self.fields)
        return [self.fields[name] for name in order if isinstance(self.fields[name], SheetField)]

    def headers(self) -> list[str]:
        return [f.column_name for f in self.sheet_fields()]

    def get_diff_headers(self) -> list[str]:
        return self.headers()

    def get_import_fields(self) -> list[SheetField]:
        return self.sheet_fields()

    def get_export_fields(self, selected_fields: Any = None) -> list[SheetField]:
        return self.sheet_fields()

    def get_user_visible_fields(self) -> list[SheetField]:
        return self.sheet_fields()

    @property
    def key_field(self) -> SheetField:
        return self.fields[self._meta.import_id_fields[0]]

    def _through(self, sheet_field: SheetField) -> tuple[Any, str, str]:
        """A many-to-many column's through model, its source and target field names."""
        model_field = self._meta.model._meta.get_field(sheet_field.attribute)
        return (
            model_field.remote_field.through,
            model_field.m2m_field_name(),
            model_field.m2m_reverse_field_name(),
        )

    def column_of(self, attribute: str) -> str:
        for sheet_field in self.sheet_fields():
            if sheet_field.attribute == attribute:
                return sheet_field.column_name
        return self.key_field.column_name

    # --- scope and permissions ---

    def get_queryset(self) -> ScopedQuerySet:
        """The rows this user may see: what export and every lookup start from."""
        return self._meta.model._default_manager.for_user(self.user)

    def in_scope(self, instance: models.Model, context: ImportContext) -> bool:
        """Whether ``instance`` belongs to the importer's units (one-hop ``scope_field``)."""
        assert context.scope_attname, f"{self._meta.model} is not scoped in one hop"
        return getattr(instance, context.scope_attname) in context.scope_unit_ids

    def out_of_scope_message(self, instance: models.Model, context: ImportContext) -> str:
        """What a row hears when its key is on file outside the importer's scope."""
        return _("This record belongs to a unit outside your scope.")

    @classmethod
    def permission_probe(cls, user: User | AnonymousUser | None) -> SheetResource:
        """An instance for the permission checks only. They read the class's declarations
        and the user; a full instance deep-copies every column (a list page asks on each
        view, so that was a few milliseconds a page for nothing)."""
        probe = cls.__new__(cls)
        probe.user = user
        return probe

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
        """The widgets' lookups (units, causes, …), once per resource: import and export."""
        if not self._prepared:
            for sheet_field in self.sheet_fields():
                sheet_field.widget.prepare(self)
            self._prepared = True

    # --- import: the django-import-export entry point ---

    def import_data(
        self,
        dataset: SheetDataset | tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> SheetResult:
        """The admin's ImportMixin calls this for the preview and again to confirm.

        The admin's formats (``sheets.formats``) hand over the sheet as read; any other
        tablib Dataset is taken row by row.
        """
        if kwargs.get("user") is not None:
            self.user = kwargs["user"]
        sheet = dataset.sheet if isinstance(dataset, SheetDataset) else sheet_from_dataset(dataset)
        result = self.import_sheet(
            sheet,
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
        keep_rows: bool = True,
    ) -> SheetResult:
        """Check every cell of every row; write all rows in one transaction, or none.

        ``keep_rows=False``: the result counts the rows without a row result for each
        (a background job shows counts and refusals; a million row results would not
        fit the bound ``chunk_rows`` gives). Raises ``PermissionDenied`` for a user who
        may not import this sheet.
        """
        self.check_import_permission()
        context = self.new_context(dry_run=dry_run, file_name=file_name, progress=progress)
        with _cyclic_gc_paused(), _sqlite_page_cache(self._meta.model):
            return self._import_sheet(sheet, context, with_diff, retain_instances, keep_rows)

    def new_context(self, **kwargs: Any) -> ImportContext:
        """A fresh :class:`ImportContext` (of ``context_class``) for one import."""
        model = self._meta.model
        template = model()
        defaults = [getattr(template, f.attname) for f in model._meta.concrete_fields]
        scope_field = model._default_manager.none().scope_field
        # One hop (e.g. unit_id) for the default loader; a sheet scoped through more
        # (a ledger entry's fund__unit) matches its rows with a loader of its own.
        one_hop = "__" not in scope_field
        return self.context_class(
            user=self.user,
            columns=self.stored_columns(),
            defaults=defaults,
            mutable=[i for i, v in enumerate(defaults) if isinstance(v, list | dict | set)],
            scope_attname=model._meta.get_field(scope_field).attname if one_hop else "",
            **kwargs,
        )

    def stored_columns(self) -> list[StoredColumn]:
        """How ``plan_row`` stores each column that is not read-only.

        A relation whose cell is not a pk from its widget (an ID number, a fund's name)
        is stored from ``row.resolved``, where ``resolve_rows`` put the record it names.
        """
        opts = self._meta.model._meta
        columns: list[StoredColumn] = []
        for sheet_field in self.sheet_fields():
            if sheet_field.readonly:
                continue
            if sheet_field.is_m2m:
                columns.append(StoredColumn(sheet_field.attribute, "", True, False, (), False))
                continue
            model_field = opts.get_field(sheet_field.attribute)
            keeps_default = model_field.has_default() and not model_field.null
            blank = None if model_field.null else ""
            resolved = model_field.is_relation and not isinstance(
                sheet_field.widget, ScopedForeignKeyWidget | ScopedManyToManyWidget
            )
            columns.append(
                StoredColumn(
                    sheet_field.attribute,
                    model_field.attname,
                    False,
                    keeps_default,
                    blank,
                    resolved,
                )
            )
        return columns

    def _import_sheet(
        self,
        sheet: SheetData,
        context: ImportContext,
        with_diff: bool,
        retain_instances: bool,
        keep_rows: bool = True,
    ) -> SheetResult:
        """The pipeline: each step a hook of its own (the order is in the class's docstring),
        a chunk of rows at a time (``chunk_rows``). The first write opens the one
        transaction every chunk writes in; a refusal found in a later chunk rolls the
        earlier chunks back, and the rest of the file is still checked, so that the clerk
        sees every error at once."""
        started = time.perf_counter()
        result = SheetResult()
        result.dry_run, result.file_name = context.dry_run, context.file_name
        result.diff_headers = self.headers()

        columns = self._map_headers(sheet, result)
        if result.errors:
            return self._finish(result, [], started)
        self.prepare()
        self.start_import(context)
        size = None if retain_instances else self.chunk_rows
        loader = self.loader_class(self, context)
        progress, grand_total = context.progress, sheet.total
        seen = 0
        all_rows: list[SheetRow] = []
        with contextlib.ExitStack() as writing:
            in_transaction = False
            for block, total in self._blocks(sheet, size):
                if progress:
                    context.progress = _offset(progress, seen, grand_total)
                rows = self._clean_rows(
                    SheetData(sheet.headers, sheet.header_row, block, total=total),
                    columns,
                    context.progress,
                )
                self._check_chunk(rows, context, loader)
                seen += len(rows)
                self._build_result(result, rows, with_diff, context, keep_rows=keep_rows)
                if size is None:
                    all_rows = rows
                if result.errors or context.dry_run:
                    continue
                if not in_transaction:
                    writing.enter_context(transaction.atomic())
                    in_transaction = True
                self._write_chunk(rows, context, result)
            if in_transaction and result.errors:
                transaction.set_rollback(True)  # a chunk was refused: none is kept
            elif in_transaction:
                self.log_import(result)
        context.progress = progress
        result.total_rows = seen
        if retain_instances and not context.dry_run and not result.errors:
            for row_result, row in zip(result.rows, all_rows, strict=True):
                row_result.instance = row.instance
                row_result.object_id = row.record.pk
        return self._finish(result, all_rows, started, count=seen)

    @staticmethod
    def _blocks(
        sheet: SheetData, size: int | None
    ) -> Iterator[tuple[Iterable[tuple[int, Sequence[Any]]], int]]:
        """The sheet's numbered rows ``size`` at a time (all at once for None), each
        block with its size (for progress): read from the file as they are needed."""
        if size is None:
            yield sheet.rows, sheet.total
            return
        rows_of = iter(sheet.rows)
        while block := list(itertools.islice(rows_of, size)):
            yield block, len(block)

    def _check_chunk(
        self, rows: list[SheetRow], context: ImportContext, loader: KeyLoader
    ) -> None:
        self.resolve_rows(rows, context)
        self.compute_keys(rows, context)
        loader.load(rows)
        for row in rows:
            # Rows with a bad cell are still planned and checked, so that the clerk sees
            # every error at once; a failed cell simply counts as "not given".
            if row.plannable:
                self.plan_row(row, context)
                self.validate_row(row, context)
                self.clean_instance(row, context)
        self.plan_groups(rows, context)
        self.validate_rows(rows, context)

    def _write_chunk(
        self, rows: list[SheetRow], context: ImportContext, result: SheetResult
    ) -> bool:
        """Write one checked chunk (in the import's transaction); False, with the reason
        in ``result``, when the database refuses it."""
        try:
            with transaction.atomic():
                self.write(rows, context)
        except IntegrityError as error:
            # Someone wrote a conflicting row between our check and our write.
            logger.warning("import of %s failed on write: %s", context.file_name, error)
            result.errors.append(
                SheetError(None, "", _("The register changed while importing: try again."))
            )
            result.append_base_error(self.get_error_result_class()(error))
            return False
        except RowsRefused as refused:
            result.errors.extend(refused.errors)
            for sheet_error in refused.errors:
                result.append_base_error(self.get_error_result_class()(sheet_error))
            self._discard_counts(result)
            return False
        return True

    def _finish(
        self, result: SheetResult, rows: list[SheetRow], started: float, count: int | None = None
    ) -> SheetResult:
        result.seconds = time.perf_counter() - started
        count = len(rows) if count is None else count
        username = getattr(self.user, "username", None)
        if result.errors:
            logger.info(
                "import refused: user=%s sheet=%s file=%s rows=%d errors=%d",
                username,
                self.sheet_title,
                result.file_name,
                count,
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
            matched = by_key.get(_header_key(cell_text(header)))
            if matched is None:
                result.errors.append(
                    SheetError(
                        row,
                        cell_text(header),
                        _("Unknown column: use the column headers of the template (%(headers)s).")
                        % {"headers": LIST_JOINER.join(self.headers())},
                    )
                )
            elif matched.attribute in seen:
                result.errors.append(
                    SheetError(row, matched.column_name, _("This column appears twice."))
                )
            else:
                seen[matched.attribute] = index
                columns.append((index, matched))
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
                if value.__class__ is RefusedCell:  # refused by the reader (sheets.limits)
                    errors.append((column, value.reason))
                    continue
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

    # --- import: the hooks, in the order the pipeline calls them ---

    def start_import(self, context: ImportContext) -> None:
        """Hook: fill the sheet's own part of ``context`` (lookups built once per import)."""

    def resolve_rows(self, rows: list[SheetRow], context: ImportContext) -> None:
        """Hook: look up, in bulk, the records cells refer to (e.g. a person by ID
        number) into ``row.resolved``; ``row.refuse`` a row whose record cannot be."""

    def compute_keys(self, rows: list[SheetRow], context: ImportContext) -> None:
        """Hook: set ``row.key`` where it is more than the key cell (e.g. a posting's
        every money column); ``None`` where the row has none."""

    def duplicate_key_message(self, other: int) -> str:
        column = self.key_field.column_name
        return _("The same %(column)s as row %(other)d: each may appear only once.") % {
            "column": column,
            "other": other,
        }

    def new_instance(self, context: ImportContext) -> models.Model:
        """A new instance with the model's defaults, evaluated once per import.

        Passing every field positionally skips ``Model.__init__``'s per-field default
        lookups (a third of the planning time at 100,000 rows); mutable defaults such as
        ``list`` are copied for each instance.
        """
        values = list(context.defaults)
        for i in context.mutable:
            values[i] = values[i].copy()
        return self._meta.model(*values)

    def plan_row(self, row: SheetRow, context: ImportContext) -> None:
        """Decide new / update / unchanged and put the file's values on the instance.

        A blank cell empties the field, except where the model has a default (the default
        for a new row, unchanged for a record on file); a missing column changes nothing.
        A column stored from ``row.resolved`` puts the record itself on the instance (so
        that the rules need no query) and counts as missing when nothing was resolved.
        """
        is_new = row.instance is None
        if is_new:
            row.instance = self.new_instance(context)
            row.import_type = NEW
        instance, values, resolved = row.instance, row.values, row.resolved
        for attribute, attname, is_m2m, keeps_default, blank, from_resolved in context.columns:
            if is_m2m:
                old = row.old_m2m.get(attribute, ())
                row.m2m[attribute] = (values[attribute] or ()) if attribute in values else old
                if not is_new and row.m2m[attribute] != old:
                    row.old[attribute] = old
                continue
            if from_resolved and attribute in resolved:
                related = resolved[attribute]
                if not is_new and getattr(instance, attname) != related.pk:
                    row.old[attribute] = getattr(instance, attname)
                setattr(instance, attribute, related)  # the record and its pk
                continue
            if attribute not in values or (from_resolved and values[attribute] is not None):
                continue  # not given, failed, or (a name) not resolved: nothing changes
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
            row.import_type = SKIP

    def validate_row(self, row: SheetRow, context: ImportContext) -> None:
        """Hook: rules across cells and against the record on file; ``row.add_error``."""

    def clean_instance(self, row: SheetRow, context: ImportContext) -> None:
        """Hook: the model's own cross-field rules (``Model.clean``), mapped to the columns."""
        if row.errors or row.import_type == SKIP:
            return
        try:
            row.record.clean()
        except ValidationError as error:
            for attribute, messages in error.message_dict.items():
                column = self.column_of(attribute) if attribute != NON_FIELD_ERRORS else ""
                for message in messages:
                    row.add_error(column or self.key_field.column_name, message)

    def plan_groups(self, rows: list[SheetRow], context: ImportContext) -> None:
        """Hook: plan what several rows describe together (e.g. one agreement over the
        rows of its beneficiaries), once every row is planned."""

    def validate_rows(self, rows: list[SheetRow], context: ImportContext) -> None:
        """Hook: rules across rows (e.g. what the file's payments together take out of a fund)."""

    def prepare_instance(
        self, row: SheetRow, context: ImportContext, now: datetime.datetime
    ) -> None:
        """Hook: last touches before writing (values the database does not fill in bulk)."""

    def log_import(self, result: SheetResult) -> None:
        counts = result.counts
        message = _(
            "Imported %(sheet)s from file %(file)s: %(new)d new, %(updated)d updated, "
            "%(unchanged)d unchanged"
        ) % {"sheet": self.sheet_title, "file": result.file_name, **counts}
        self._log_entry(result.file_name, message)

    def _log_entry(self, file_name: str, message: str) -> None:
        # One admin log entry per file (not per row): who, when, which file, what came of it.
        # Only called after check_import_permission / check_export_permission, which refuse
        # no user and the anonymous one (the only users without a pk).
        assert self.user is not None and self.user.pk is not None
        LogEntry.objects.create(
            user_id=self.user.pk,
            content_type_id=ContentType.objects.get_for_model(self._meta.model).pk,
            object_id=None,
            object_repr=(file_name or self.sheet_title)[:200],
            action_flag=ADDITION,
            change_message=message,
        )
