"""Files registered per unit and year (``RegistrationYear``), kept by triggers on
``cases_case`` (``core.triggers`` says why triggers, and why installed after ``migrate``).

A file adds 1 to its unit's row for the year of ``registered_on`` and, when it moves (a
transfer, a corrected date) or is deleted, takes 1 off the row it leaves — an UPDATE,
never an insert, so that emptying the table before the files (a test database's flush)
leaves no negative count (as ``funds.census``).
"""

from __future__ import annotations

from django.db import connection, transaction

from core.triggers import TriggerSet

TABLE = "cases_registrationyear"
KEYS = ["unit_id", "year"]
MEASURES = ["cases"]


def _year(conn, row: str) -> str:
    if conn.vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {row}.registered_on)::integer"
    return f"CAST(substr({row}.registered_on, 1, 4) AS INTEGER)"


def _add(conn, row: str) -> str:
    # ``WHERE`` is required: without it SQLite would read ON CONFLICT as a join's ON.
    return (
        f"INSERT INTO {TABLE} (unit_id, year, cases) SELECT {row}.unit_id, {_year(conn, row)}, 1 "
        f"WHERE {row}.registered_on IS NOT NULL "
        f"ON CONFLICT (unit_id, year) DO UPDATE SET cases = {TABLE}.cases + 1"
    )


def _subtract(conn, row: str) -> str:
    return (
        f"UPDATE {TABLE} SET cases = cases - 1 "
        f"WHERE unit_id = {row}.unit_id AND year = {_year(conn, row)}"
    )


def computed_select(conn) -> str:
    """The counts from the raw files (keys, then the count)."""
    return (
        f"SELECT c.unit_id, {_year(conn, 'c')}, COUNT(*) FROM cases_case c "
        f"WHERE c.registered_on IS NOT NULL GROUP BY c.unit_id, {_year(conn, 'c')} "
        "ORDER BY 1, 2"
    )


def _postgresql_sql(conn) -> list[str]:
    return [
        f"""
CREATE OR REPLACE FUNCTION cases_registration_year() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_subtract(conn, "OLD")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_add(conn, "NEW")};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER cases_registration_year_insert AFTER INSERT ON cases_case "
        "FOR EACH ROW EXECUTE FUNCTION cases_registration_year()",
        "CREATE TRIGGER cases_registration_year_update AFTER UPDATE ON cases_case "
        "FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR "
        "OLD.registered_on IS DISTINCT FROM NEW.registered_on) "
        "EXECUTE FUNCTION cases_registration_year()",
        "CREATE TRIGGER cases_registration_year_delete AFTER DELETE ON cases_case "
        "FOR EACH ROW EXECUTE FUNCTION cases_registration_year()",
    ]


def _sqlite_sql(conn) -> list[str]:
    return [
        "CREATE TRIGGER cases_registration_year_insert AFTER INSERT ON cases_case "
        f"BEGIN {_add(conn, 'NEW')}; END",
        "CREATE TRIGGER cases_registration_year_update AFTER UPDATE ON cases_case "
        "WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.registered_on IS NOT NEW.registered_on "
        f"BEGIN {_subtract(conn, 'OLD')}; {_add(conn, 'NEW')}; END",
        "CREATE TRIGGER cases_registration_year_delete AFTER DELETE ON cases_case "
        f"BEGIN {_subtract(conn, 'OLD')}; END",
    ]


def rebuild(conn=None) -> None:
    """Replace the counts with the raw computation."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} (unit_id, year, cases) {computed_select(conn)}")


def _create(conn) -> list[str]:
    return _postgresql_sql(conn) if conn.vendor == "postgresql" else _sqlite_sql(conn)


TRIGGERS = TriggerSet(
    triggers={
        "cases_registration_year_insert": "cases_case",
        "cases_registration_year_update": "cases_case",
        "cases_registration_year_delete": "cases_case",
    },
    create=_create,
    rebuild=rebuild,
    kept_table=TABLE,
    functions=("cases_registration_year",),
)
