"""Database triggers that keep a stored table right, installed after ``migrate``.

Some stored facts must follow rows that change through many writes bypassing save() —
bulk UPDATEs of the sheets, a city's bulk transfer, a management command, a shell — and
a forgotten signal would leave them wrong for good; a trigger sees every write. Each app
declares its ``TriggerSet`` (names, the SQL per vendor, how to rebuild what the triggers
keep) and connects ``drop_before_migrating`` / ``ensure_installed`` in its ``ready()``.

Why after ``migrate`` and not in a migration: on SQLite a migration that alters a table
rebuilds it under another name, and SQLite refuses that rename while a trigger names the
table; so on SQLite the triggers are dropped before migrating and created again after.
Whenever a set was missing (SQLite after every migrate, a fresh database, a restore
without them), what it keeps is rebuilt from the raw rows: writes made without the
triggers went uncounted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def refill(conn: BaseDatabaseWrapper, table: str, columns: Sequence[str], select: str) -> None:
    """Replace the rows of a kept table with ``select``'s (a set's ``rebuild``)."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {select}")


def apply_deltas(table: str, keys: Sequence[str], measure: str, deltas: str) -> str:
    """PL/pgSQL statements of a statement-level trigger: add ``deltas`` (a query of the
    keys, named k0, k1, …, and a signed count ``n``, one row per key) to ``table``'s
    ``measure``, in key order so that two writers lock rows in the same order. Rows
    losing are updated, never below zero and never inserted (a missing row has nothing
    to take off: a table emptied while its rows' sources remain); rows gaining are
    upserted."""
    aliases = ", ".join(f"k{i}" for i in range(len(keys)))
    match = " AND ".join(f"t.{column} = d.k{i}" for i, column in enumerate(keys))
    columns = ", ".join(keys)
    added = f"{measure} = {table}.{measure} + excluded.{measure}"
    return f"""
    UPDATE {table} t SET {measure} = GREATEST(t.{measure} + d.n, 0)
        FROM ({deltas}) d WHERE d.n < 0 AND {match};
    INSERT INTO {table} ({columns}, {measure}) SELECT {aliases}, n FROM ({deltas}) d
        WHERE n > 0 ORDER BY {aliases} ON CONFLICT ({columns}) DO UPDATE SET {added};"""


def pause_check(setting: str) -> str:
    """The first statement of a PostgreSQL trigger function that ``TriggerSet.paused``
    can turn off."""
    return f"IF current_setting('{setting}', true) = 'on' THEN RETURN NULL; END IF;"


@dataclass(frozen=True)
class TriggerSet:
    #: trigger name -> the table it is on
    triggers: dict[str, str]
    #: the CREATE statements for a connection (its vendor); PostgreSQL ones may first
    #: CREATE OR REPLACE their functions
    create: Callable[[BaseDatabaseWrapper], list[str]]
    #: recompute what the triggers keep from the raw rows
    rebuild: Callable[[BaseDatabaseWrapper], None]
    #: the table the set keeps (absent: the app is migrated back before it)
    kept_table: str
    #: PostgreSQL functions the triggers call
    functions: tuple[str, ...] = ()
    #: a transaction-local setting the PostgreSQL functions obey (``pause_check``), so
    #: that ``paused`` can turn them off without ALTER TABLE
    pause_setting: str = ""
    #: triggers (name -> table) and functions of an earlier version, dropped whenever
    #: the set is installed or dropped: a database made before keeps none of them
    retired: dict[str, str] = field(default_factory=dict)
    retired_functions: tuple[str, ...] = ()

    def installed(self, conn: BaseDatabaseWrapper) -> set[str]:
        """The set's triggers present in the database."""
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                    [list(self.triggers)],
                )
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return {name for (name,) in cursor.fetchall()} & set(self.triggers)

    def _retired_present(self, conn: BaseDatabaseWrapper) -> bool:
        if not self.retired:
            return False
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                    [list(self.retired)],
                )
            else:
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name IN "
                    f"({', '.join(['%s'] * len(self.retired))})",
                    list(self.retired),
                )
            return cursor.fetchone() is not None

    def install(self, conn: BaseDatabaseWrapper) -> bool:
        """Create the triggers when any is missing, and then rebuild (see above). True
        when it did."""
        if conn.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"no triggers written for {conn.vendor}")
        with transaction.atomic(using=conn.alias):
            if self.installed(conn) == set(self.triggers) and not self._retired_present(conn):
                # The functions' bodies are replaced in place, so a corrected body reaches a
                # database whose triggers were already there (their WHEN clauses do not).
                with conn.cursor() as cursor:
                    for sql in self.create(conn):
                        if sql.lstrip().startswith("CREATE OR REPLACE FUNCTION"):
                            cursor.execute(sql)
                return False
            self.uninstall(conn)
            with conn.cursor() as cursor:
                for sql in self.create(conn):
                    cursor.execute(sql)
            self.rebuild(conn)
        return True

    def uninstall(self, conn: BaseDatabaseWrapper) -> None:
        tables = conn.introspection.table_names()
        with conn.cursor() as cursor:
            for name, table in {**self.retired, **self.triggers}.items():
                if conn.vendor == "postgresql" and table not in tables:
                    continue  # DROP TRIGGER … ON a missing table is an error there
                on = f" ON {table}" if conn.vendor == "postgresql" else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
            if conn.vendor == "postgresql":
                for function in (*self.retired_functions, *self.functions):
                    cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")

    @contextlib.contextmanager
    def paused(self, conn: BaseDatabaseWrapper) -> Iterator[None]:
        """The triggers off for the writes of this block, for a rebuild that recomputes
        what they keep afterwards anyway (a million trigger runs while refilling a table
        they watch took longer than the refill). PostgreSQL: the transaction-local
        ``pause_setting`` the functions obey (ALTER TABLE … DISABLE TRIGGER would lock
        the tables and is refused while deferred foreign-key checks are pending);
        SQLite: dropped and created again. Call inside ``transaction.atomic``."""
        if not conn.in_atomic_block:
            raise RuntimeError("TriggerSet.paused() needs a transaction")
        if self.installed(conn) != set(self.triggers):
            yield
            return
        if conn.vendor == "postgresql" and not self.pause_setting:
            raise NotImplementedError("these triggers have no pause_setting")
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, 'on', true)", [self.pause_setting])
            else:
                self.uninstall(conn)
        try:
            yield
        finally:
            with conn.cursor() as cursor:
                if conn.vendor == "postgresql":
                    cursor.execute("SELECT set_config(%s, 'off', true)", [self.pause_setting])
                else:
                    for sql in self.create(conn):
                        cursor.execute(sql)

    # --- the app's pre_migrate / post_migrate receivers ------------------------------

    def drop_before_migrating(self, sender=None, using: str = "default", **kwargs) -> None:
        conn = connections[using]
        if conn.vendor == "sqlite":
            self.uninstall(conn)

    def ensure_installed(self, sender=None, using: str = "default", **kwargs) -> None:
        conn = connections[using]
        if self.kept_table in conn.introspection.table_names():
            self.install(conn)
