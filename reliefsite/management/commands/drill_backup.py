"""``manage.py drill_backup [--into URL] [--keep]``: prove that a backup restores.

Backs up the configured database, restores the backup into a fresh database (created
for the drill and dropped after it, or ``--into`` an empty one), and verifies there:

- every table has the same number of rows as the source;
- every fund's balance is the sum of its ledger entries;
- every maintained total (``rebuild_aggregates --check``, run by a separate process on
  the restored database, which also proves the site starts on it).

Prints each check and exits 1 on any difference (OPERATIONS.md "Data safety").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reliefsite.backups import (
    BackupError,
    Target,
    backup_database,
    fund_ledger_differences,
    restore_database,
    table_counts,
    target_table_counts,
)


def url_of(target: Target) -> str:
    if target.vendor == "sqlite":
        return f"sqlite:///{target.name}"
    password = f":{target.password}" if target.password else ""
    return (
        f"postgres://{target.user or 'postgres'}{password}@{target.host or '127.0.0.1'}:"
        f"{target.port or 5432}/{target.name}"
    )


class Command(BaseCommand):
    help = (
        "Back up the database, restore it into a fresh database and verify every table's "
        "count, every fund's balance against its ledger and every maintained total."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--into", help="an empty database URL to restore into")
        parser.add_argument("--keep", action="store_true", help="keep the restored database")

    def handle(self, *args: Any, into: str | None = None, keep: bool = False, **opts: Any):
        started = time.monotonic()
        failures: list[str] = []
        with tempfile.TemporaryDirectory(prefix="relief-drill-") as folder:
            source = Target.from_settings(connection.settings_dict)
            backup = Path(folder) / ("relief.dump" if source.vendor == "postgresql" else "b.db")
            expected = table_counts()
            backup_database(backup)
            self.stdout.write(f"backup: {backup.stat().st_size:,} bytes")

            target, created = self._fresh(source, into, Path(folder))
            try:
                restore_database(backup, target)
                self.stdout.write(f"restored into {target.name}")
                failures += self._verify(target, expected)
            except BackupError as error:
                raise CommandError(str(error)) from error
            finally:
                if created and not keep:
                    self._drop(target)
        seconds = time.monotonic() - started
        if failures:
            for failure in failures:
                self.stdout.write(f"FAILED: {failure}")
            self.stdout.write(f"drill failed in {seconds:.1f} s")
            sys.exit(1)
        self.stdout.write(f"drill passed in {seconds:.1f} s")

    # --- the fresh database ---

    def _fresh(self, source: Target, into: str | None, folder: Path) -> tuple[Target, bool]:
        if into:
            return Target.from_url(into), False
        if source.vendor == "sqlite":
            return Target(vendor="sqlite", name=str(folder / "restored.sqlite3")), True
        name = f"{source.name}_drill_{os.getpid()}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')  # a name we made: no user input
        return Target(**{**source.__dict__, "name": name}), True

    def _drop(self, target: Target) -> None:
        if target.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{target.name}"')

    # --- the checks ---

    def _verify(self, target: Target, expected: dict[str, int]) -> list[str]:
        failures = []
        restored = target_table_counts(target, expected)
        differing = {t: (n, restored[t]) for t, n in expected.items() if restored[t] != n}
        for table, (before, after) in sorted(differing.items()):
            failures.append(f"table {table}: {before} rows backed up, {after} restored")
        self.stdout.write(
            f"tables: {len(restored)} compared, {sum(n or 0 for n in restored.values()):,} rows, "
            f"{len(differing)} differ"
        )
        funds = fund_ledger_differences(target)
        for pk, name, balance, total in funds:
            failures.append(f"fund {pk} {name}: balance {balance}, ledger sums to {total}")
        self.stdout.write(f"funds: balances against their ledgers, {len(funds)} differ")
        checked = subprocess.run(
            [sys.executable, "manage.py", "rebuild_aggregates", "--check"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": url_of(target)},
            capture_output=True,
            text=True,
            check=False,
        )
        last = (checked.stdout.strip().splitlines() or [checked.stderr.strip()])[-1]
        self.stdout.write(f"maintained totals: {last}")
        if checked.returncode != 0:
            failures.append(f"rebuild_aggregates --check: {checked.stdout}{checked.stderr}")
        return failures
