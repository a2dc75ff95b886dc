"""Files registered per unit and year (``RegistrationYear``), kept by triggers on
``cases_case`` (``core.triggers`` says why triggers, and why installed after ``migrate``).

A file adds 1 to its unit's row for the year of ``registered_on`` and, when it moves (a
transfer, a corrected date) or is deleted, takes 1 off the row it leaves — an UPDATE,
never an insert, so that emptying the table before the files (a test database's flush)
leaves no negative count (as ``funds.census``).
"""

from __future__ import annotations

from django.db import connection

from core.triggers import TriggerSet, apply_deltas, refill

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
    """Statement-level, with transition tables: one grouped change per statement (a
    row-level trigger updating the same row once per file, within one transaction, makes
    each update step over the versions the earlier ones left, as ``funds.census`` says)."""

    def counted(rows: str, sign: int, where: str = "TRUE") -> str:
        return (
            f"SELECT r.unit_id AS k0, {_year(conn, 'r')} AS k1, {sign} * COUNT(*) AS n "
            f"FROM {rows} WHERE r.registered_on IS NOT NULL AND {where} GROUP BY 1, 2"
        )

    def apply(deltas: str) -> str:
        return apply_deltas(TABLE, KEYS, "cases", deltas)

    moved = (
        "o.unit_id IS DISTINCT FROM r.unit_id OR o.registered_on IS DISTINCT FROM r.registered_on"
    )
    changed = f"""
        SELECT k0, k1, SUM(n) AS n FROM (
            {counted("old_rows r JOIN new_rows o ON o.id = r.id", -1, moved)}
            UNION ALL
            {counted("new_rows r JOIN old_rows o ON o.id = r.id", 1, moved)}
        ) both_sides GROUP BY 1, 2"""
    return [
        f"""
CREATE OR REPLACE FUNCTION cases_registration_years() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {apply(counted("new_rows r", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {apply(counted("old_rows r", -1))}
    ELSE
        {apply(changed)}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER cases_registration_years_inserted AFTER INSERT ON cases_case "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION cases_registration_years()",
        "CREATE TRIGGER cases_registration_years_updated AFTER UPDATE ON cases_case "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION cases_registration_years()",
        "CREATE TRIGGER cases_registration_years_deleted AFTER DELETE ON cases_case "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION cases_registration_years()",
    ]


def _sqlite_sql(conn) -> list[str]:
    return [
        "CREATE TRIGGER cases_registration_years_inserted AFTER INSERT ON cases_case "
        f"BEGIN {_add(conn, 'NEW')}; END",
        "CREATE TRIGGER cases_registration_years_updated AFTER UPDATE ON cases_case "
        "WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.registered_on IS NOT NEW.registered_on "
        f"BEGIN {_subtract(conn, 'OLD')}; {_add(conn, 'NEW')}; END",
        "CREATE TRIGGER cases_registration_years_deleted AFTER DELETE ON cases_case "
        f"BEGIN {_subtract(conn, 'OLD')}; END",
    ]


def rebuild(conn=None) -> None:
    """Replace the counts with the raw computation."""
    conn = conn or connection
    refill(conn, TABLE, [*KEYS, *MEASURES], computed_select(conn))


def _create(conn) -> list[str]:
    return _postgresql_sql(conn) if conn.vendor == "postgresql" else _sqlite_sql(conn)


TRIGGERS = TriggerSet(
    triggers={
        "cases_registration_years_inserted": "cases_case",
        "cases_registration_years_updated": "cases_case",
        "cases_registration_years_deleted": "cases_case",
    },
    create=_create,
    rebuild=rebuild,
    kept_table=TABLE,
    functions=("cases_registration_years",),
    # The row-level triggers of before, dropped on install.
    retired={
        "cases_registration_year_insert": "cases_case",
        "cases_registration_year_update": "cases_case",
        "cases_registration_year_delete": "cases_case",
    },
    retired_functions=("cases_registration_year",),
)
