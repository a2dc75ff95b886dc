"""Bulk writes for imports and bulk postings: multi-row INSERT (SQLite) or COPY
(PostgreSQL), ``executemany`` UPDATEs, and the django-simple-history rows that go with them.

Django's ``bulk_create`` spent ~85 µs of CPU per case here (20 s budget, 100,000 rows),
and simple-history's ``bulk_create_with_history`` builds a model instance more per row;
these take Python values straight to the driver. Like ``bulk_create``, nothing here calls
``save()`` or sends signals: callers validate first.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from sheets.constants import LOOKUP_CHUNK
from sheets.host import SheetHost
from sheets.rows import NEW, UPDATE, SheetRow

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.backends.base.base import BaseDatabaseWrapper

    from sheets.context import ImportContext

    # A concrete model field, whatever it stores.
    ModelField = models.Field[Any, Any]

# Rows per multi-row INSERT (below every database's limit on query parameters) and per
# COPY round.
WRITE_BATCH = 1000
COPY_BATCH = 20000

# Values the database drivers take as they are (Django's SQLite backend registers adapters
# for date and Decimal; psycopg adapts them natively): no per-value get_db_prep_save.
_DRIVER_NATIVE_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DecimalField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
    }
)


def _column(field: ModelField) -> str:
    # Every field written here is concrete: only a non-concrete field has no column.
    assert field.column is not None, field
    return field.column


def _converters(
    fields: Sequence[ModelField], connection: BaseDatabaseWrapper
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) for the columns whose values the driver cannot take as is."""
    return [
        (i, _memoized(functools.partial(_prep_value, f, connection)))
        for i, f in enumerate(fields)
        if f.get_internal_type() not in _DRIVER_NATIVE_TYPES
    ]


def _prep_value(field: ModelField, connection: BaseDatabaseWrapper, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _memoized(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # created_at, updated_at and history_date are one value for the whole import.
    cache: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            key = tuple(value) if value.__class__ is list else value
            return cache[key]
        except KeyError:
            result = cache[key] = convert(value)
            return result
        except TypeError:  # unhashable
            return convert(value)

    return run


def insert_rows(
    model: type[models.Model],
    fields: Sequence[ModelField],
    rows: Iterable[list[Any]],
    *,
    returning: bool = True,
) -> list[Any]:
    """``INSERT … VALUES (…), (…) [RETURNING pk]`` in batches; returns the new keys in order.

    ``rows`` are lists of Python values for ``fields`` (as the model's attributes hold
    them; they are converted in place). Like Django's ``bulk_create`` on PostgreSQL and
    SQLite, this relies on RETURNING giving the keys in the order of the VALUES list.
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        return _copy_rows(connection, model, fields, rows, returning)
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError("The sheets need INSERT … RETURNING (PostgreSQL, SQLite).")
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(model._meta.db_table), ", ".join(quote(_column(f)) for f in fields)
    )
    tail = f" RETURNING {quote(_column(model._meta.pk))}" if returning else ""
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 65535
    batch_size = max(1, min(WRITE_BATCH, limit // len(fields)))
    converters = _converters(fields, connection)
    keys: list[Any] = []
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:

        def flush() -> None:
            sql = head + ", ".join([one] * len(batch)) + tail
            cursor.execute(sql, list(itertools.chain.from_iterable(batch)))
            if returning:
                keys.extend(row[0] for row in cursor.fetchall())
            batch.clear()

        for row in rows:
            for i, convert in converters:
                row[i] = convert(row[i])
            batch.append(row)
            if len(batch) == batch_size:
                flush()
        if batch:
            flush()
    return keys


def _copy_rows(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[ModelField],
    rows: Iterable[list[Any]],
    returning: bool,
) -> list[Any]:
    # PostgreSQL: COPY, with keys drawn from the table's sequence first. A long
    # multi-row INSERT spends most of its time in psycopg parsing its placeholders.
    opts = model._meta
    quote = connection.ops.quote_name
    columns = [opts.pk, *fields] if returning else list(fields)
    copy_sql = "COPY {} ({}) FROM STDIN".format(
        quote(opts.db_table), ", ".join(quote(_column(f)) for f in columns)
    )
    converters = _converters(fields, connection)
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, COPY_BATCH):
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [opts.db_table, opts.pk.column, len(batch)],
                )
                batch_keys = [row[0] for row in cursor.fetchall()]
                keys.extend(batch_keys)
            # The raw psycopg cursor: wrap its errors as Django's (IntegrityError, …).
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for index, row in enumerate(batch):
                    for i, convert in converters:
                        row[i] = convert(row[i])
                    copy.write_row([batch_keys[index], *row] if returning else row)
    return keys


def update_rows(
    model: type[models.Model], attnames: Sequence[str], instances: Sequence[models.Model]
) -> None:
    """``UPDATE … SET a = %s, … WHERE pk = %s`` for each instance, with ``executemany``."""
    if not instances or not attnames:
        return
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    fields = [next(f for f in opts.concrete_fields if f.attname == a) for a in attnames]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(opts.db_table),
        ", ".join(f"{quote(_column(f))} = %s" for f in fields),
        quote(_column(opts.pk)),
    )
    rows = list(values_of(instances, [*fields, opts.pk]))
    converters = _converters([*fields, opts.pk], connection)
    for row in rows:
        for i, convert in converters:
            row[i] = convert(row[i])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def values_of(
    instances: Iterable[models.Model], fields: Sequence[ModelField], tail: Sequence[Any] = ()
) -> Iterator[list[Any]]:
    """Rows for ``insert_rows``: each instance's values for ``fields``, then ``tail``."""
    getter = operator.attrgetter(*(f.attname for f in fields))
    tail = list(tail)
    if len(fields) == 1:
        return ([getter(instance), *tail] for instance in instances)
    return ([*getter(instance), *tail] for instance in instances)


def insert_with_history(
    model: type[models.Model],
    instances: Sequence[models.Model],
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    now: datetime.datetime,
) -> dict[int, int]:
    """Insert new ``instances`` (setting their pks) and their ``+`` history rows.

    Returns pk -> history id (empty when the model keeps no history).
    """
    opts = model._meta
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    pks = insert_rows(model, fields, values_of(instances, fields))
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
    return insert_history(model, instances, "+", user=user, now=now)


def insert_history(
    model: type[models.Model],
    instances: Sequence[models.Model],
    history_type: str,
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    now: datetime.datetime,
) -> dict[int, int]:
    """The history rows simple-history's bulk helpers would write (who, when, ``+``/``~``).

    Returns pk -> history id.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not hasattr(
        model._meta, "simple_history_manager_attribute"
    ):
        return {}
    history_model = get_history_model_for_model(model)
    constant_names = ("history_date", "history_user", "history_type", "history_change_reason")
    tracked = [
        f
        for f in history_model._meta.concrete_fields
        if not f.primary_key and f.name not in constant_names
    ]
    fields = [*tracked, *(history_model._meta.get_field(name) for name in constant_names)]
    tail = (now, getattr(user, "pk", None), history_type, None)
    rows = values_of(instances, tracked, tail)
    # The history keeps a file's name (a text column) where the model has a FieldFile.
    files = _file_positions(model, tracked)
    if files:
        rows = _file_names(rows, files)
    ids = insert_rows(history_model, fields, rows)
    return {o.pk: hid for o, hid in zip(instances, ids, strict=True)}


def _file_positions(model: type[models.Model], tracked: Sequence[ModelField]) -> list[int]:
    names = {f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)}
    return [i for i, f in enumerate(tracked) if f.name in names]


def _file_names(rows: Iterable[list[Any]], positions: list[int]) -> Iterator[list[Any]]:
    for row in rows:
        for i in positions:
            row[i] = row[i].name if row[i] else ""
        yield row


class WriterMixin(SheetHost):
    def write(self, rows: list[SheetRow], context: ImportContext) -> None:
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
        progress = context.progress
        new = [row for row in rows if row.import_type == NEW]
        changed = [row for row in rows if row.import_type == UPDATE]
        auto_now = [f.attname for f in opts.concrete_fields if getattr(f, "auto_now", False)]
        auto_now_add = [
            f.attname for f in opts.concrete_fields if getattr(f, "auto_now_add", False)
        ]
        for row in new:
            self.prepare_instance(row, context, now)
            for attname in (*auto_now, *auto_now_add):
                setattr(row.instance, attname, now)
        for row in changed:
            self.prepare_instance(row, context, now)
            for attname in auto_now:
                setattr(row.instance, attname, now)
        total = len(new) + len(changed)

        history_ids = insert_with_history(
            model, [row.record for row in new], user=self.user, now=now
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
            groups[tuple(sorted(names | set(auto_now)))].append(row.record)
        for attnames, group in groups.items():
            update_rows(model, attnames, group)
        if progress:
            progress("write", total, total)

        history_ids.update(
            insert_history(model, [row.record for row in changed], "~", user=self.user, now=now)
        )
        self._write_m2m(new, changed, history_ids)

    def _write_m2m(
        self, new: list[SheetRow], changed: list[SheetRow], history_ids: dict[int, int]
    ) -> None:
        model = self._meta.model
        history_model = get_history_model_for_model(model) if history_ids else None
        history_m2m = {f.name for f in getattr(history_model, "_history_m2m_fields", ())}
        for sheet_field in self.sheet_fields():
            if not sheet_field.is_m2m or sheet_field.readonly:
                continue
            attribute = sheet_field.attribute
            through, source, target = self._through(sheet_field)
            owners_to_clear = [row.record.pk for row in changed if attribute in row.old]
            for start in range(0, len(owners_to_clear), LOOKUP_CHUNK):
                chunk = owners_to_clear[start : start + LOOKUP_CHUNK]
                through.objects.filter(**{f"{source}_id__in": chunk}).delete()
            pairs = [
                (row.record.pk, related)
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
            kept = [row.record.pk for row in changed if attribute not in row.old]
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
