"""The backup drill: backup, restore into a fresh database, verify counts, balances and
maintained totals; and it fails, naming the difference, when a restore is not faithful."""

from __future__ import annotations

import io
import sqlite3

import psycopg
import pytest
from django.core.management import call_command

from reliefsite.management.commands import drill_backup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0, stdout=io.StringIO())


def run_drill() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("drill_backup", stdout=out)
    except SystemExit as exit:
        return int(exit.code), out.getvalue()
    return 0, out.getvalue()


def test_the_drill_passes_on_a_faithful_restore(demo):
    code, out = run_drill()

    assert code == 0, out
    assert "funds: balances against their ledgers, 0 differ" in out
    assert "maintained totals: 0 differences" in out
    assert out.strip().splitlines()[-1].startswith("drill passed in ")


def execute(target, *statements: str) -> None:
    if target.vendor == "sqlite":
        with sqlite3.connect(target.name) as db:
            for statement in statements:
                db.execute(statement)
        return
    with psycopg.connect(
        dbname=target.name,
        host=target.host or "127.0.0.1",
        port=target.port or 5432,
        user=target.user or "postgres",
        password=target.password or None,
        autocommit=True,
    ) as db:
        for statement in statements:
            db.execute(statement)


def test_the_drill_fails_naming_a_lost_row_and_a_wrong_balance(demo, monkeypatch):
    restore = drill_backup.restore_database

    def unfaithful(path, target):
        restore(path, target)
        execute(
            target,
            "DELETE FROM cases_historicalcase WHERE history_id = "
            "(SELECT MIN(history_id) FROM cases_historicalcase)",
            "UPDATE funds_fund SET balance = balance + 1 "
            "WHERE id = (SELECT MIN(id) FROM funds_fund)",
        )

    monkeypatch.setattr(drill_backup, "restore_database", unfaithful)

    code, out = run_drill()

    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 2, out
    assert failed[0].startswith("FAILED: table cases_historicalcase: ")
    assert failed[0].split(": ")[2].split(" rows backed up, ")[1] == (
        f"{int(failed[0].split(': ')[2].split(' ')[0]) - 1} restored"
    )
    assert failed[1].startswith("FAILED: fund ") and "ledger sums to" in failed[1]
    assert out.strip().splitlines()[-1].startswith("drill failed in ")
