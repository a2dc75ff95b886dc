"""Backups and restores of the whole database (OPERATIONS.md "Data safety").

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (the server's own tools: a
consistent snapshot while the site runs, restorable into any newer server). SQLite: the
online backup API, which copies a consistent snapshot while other connections write.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.db import connections
from django.utils.translation import gettext as _


class BackupError(RuntimeError):
    """A backup or restore that could not be made; the message says why, in words."""


@dataclass(frozen=True)
class Target:
    """A database named by settings or by a URL: what pg_dump/pg_restore/sqlite3 need."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Target:
        engine = settings_dict["ENGINE"]
        vendor = "postgresql" if "postgresql" in engine else "sqlite" if "sqlite" in engine else ""
        if not vendor:
            raise BackupError(
                _("Backups support PostgreSQL and SQLite, not %(engine)s.") % {"engine": engine}
            )
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        return cls.from_settings(dict(dj_database_url.parse(url)))

    def pg_arguments(self) -> list[str]:
        arguments = []
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        if self.user:
            arguments += ["--username", self.user]
        return arguments

    def pg_environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        if self.password:
            environment["PGPASSWORD"] = self.password  # never on the command line
        return environment


def _run(command: list[str], target: Target) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            _("%(tool)s is not installed (Debian package postgresql-client).") % {"tool": tool}
        )
    finished = subprocess.run(
        command, env=target.pg_environment(), capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": tool, "error": finished.stderr.strip()}
        )


def backup_database(path: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the database to ``path`` (written whole or not at all)."""
    connection = connections[alias]
    target = Target.from_settings(connection.settings_dict)
    partial = path.with_name(path.name + ".partial")
    try:
        if target.vendor == "postgresql":
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(partial),
                    *target.pg_arguments(),
                    target.name,
                ],
                target,
            )
        else:
            connection.ensure_connection()
            with sqlite3.connect(partial) as copy:
                connection.connection.backup(copy)
            copy.close()
        os.replace(partial, path)  # a crash mid-way leaves no file that looks complete
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore_database(path: Path, target: Target) -> None:
    """Restore a backup into ``target``, replacing what is there."""
    if not path.is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": path})
    if target.vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                target.name,
                *target.pg_arguments(),
                str(path),
            ],
            target,
        )
        return
    with sqlite3.connect(path) as source, sqlite3.connect(target.name) as copy:
        source.backup(copy)
    source.close()
    copy.close()


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows per model table: what a restore drill compares between two databases."""
    counts = {}
    with connections[alias].cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.managed and not model._meta.proxy:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # table names from models
                counts[table] = cursor.fetchone()[0]
    return dict(sorted(counts.items()))


@contextmanager
def raw_connection(target: Target) -> Iterator[Any]:
    """A plain DB-API connection to ``target`` (a restored copy the site is not using)."""
    if target.vendor == "sqlite":
        db = sqlite3.connect(target.name)
    else:
        import psycopg

        db = psycopg.connect(
            dbname=target.name,
            host=target.host or None,
            port=target.port or None,
            user=target.user or None,
            password=target.password or None,
        )
    try:
        yield db
    finally:
        db.close()


def target_table_counts(target: Target, tables: Iterable[str]) -> dict[str, int | None]:
    """Rows of each of ``tables`` in ``target`` (None where the table is missing)."""
    counts: dict[str, int | None] = {}
    with raw_connection(target) as db:
        for table in tables:
            cursor = db.cursor()
            try:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # names from the models
                counts[table] = cursor.fetchone()[0]
            except Exception:  # a missing table: whatever the driver's error class
                db.rollback()
                counts[table] = None
    return counts


def fund_ledger_differences(target: Target) -> list[tuple[int, str, str, str]]:
    """Funds whose stored balance is not the sum of their ledger: (id, name, balance, sum).

    The ledger is append-only and every posting moves the balance in the same
    transaction, so after a faithful restore this is empty.
    """
    with raw_connection(target) as db:
        cursor = db.cursor()
        cursor.execute(
            "SELECT f.id, f.name, f.balance, COALESCE(SUM(e.amount), 0) "
            "FROM funds_fund f LEFT JOIN funds_ledgerentry e ON e.fund_id = f.id "
            "GROUP BY f.id, f.name, f.balance ORDER BY f.id"
        )
        rows = cursor.fetchall()
    # Compared in fen: SQLite may hand back floats, PostgreSQL Decimals.
    return [
        (pk, name, f"{float(balance):.2f}", f"{float(total):.2f}")
        for pk, name, balance, total in rows
        if round(float(balance) * 100) != round(float(total) * 100)
    ]
