"""backup / restore: a backup restored into a fresh database has every table's rows and
every fund's balance (OPERATIONS.md "Data safety")."""

import sqlite3
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from funds.models import Fund
from reliefsite.backups import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)


def sqlite_counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as copy:
        return {
            table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in table_counts()
        }


def test_restore_refuses_without_yes(tmp_path):
    with pytest.raises(
        CommandError, match="restore replaces every table of the target: add --yes"
    ):
        call_command("restore", str(tmp_path / "x.dump"))


def test_restore_of_a_missing_file_says_so(tmp_path):
    missing = tmp_path / "nothing.dump"

    with pytest.raises(CommandError, match="nothing.dump"):
        call_command("restore", str(missing), "--yes", "--into", f"sqlite:///{tmp_path}/t.db")


def test_a_backup_restored_into_a_fresh_database_has_every_row(demo, tmp_path, capsys):
    backup = tmp_path / ("relief.dump" if connection.vendor == "postgresql" else "relief.sqlite3")
    expected = table_counts()
    balances = dict(Fund.objects.values_list("name", "balance"))

    call_command("backup", "-o", str(backup))
    assert str(backup) in capsys.readouterr().out

    if connection.vendor == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        call_command("restore", str(backup), "--yes", "--into", f"sqlite:///{restored}")
        assert sqlite_counts(restored) == expected
        with sqlite3.connect(restored) as copy:
            restored_balances = dict(copy.execute("SELECT name, balance FROM funds_fund"))
        assert {name: str(b) for name, b in balances.items()} == {
            name: f"{float(b):.2f}" for name, b in restored_balances.items()
        }
        return

    settings_dict = connection.settings_dict
    fresh = f"relief_restore_{uuid.uuid4().hex[:8]}"
    user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"] or 5432
    admin_url = f"postgresql://{user}@{host}:{port}"
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        call_command("restore", str(backup), "--yes", "--into", f"{admin_url}/{fresh}")
        with psycopg.connect(f"{admin_url}/{fresh}") as copy:
            counts = {
                table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in expected
            }
            restored_balances = dict(copy.execute("SELECT name, balance FROM funds_fund"))
        assert counts == expected
        assert restored_balances == balances
    finally:
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
