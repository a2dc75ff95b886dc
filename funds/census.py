"""The case census (``CaseCensus``): files per unit × status × year last checked × year
last reviewed × aided, kept by database triggers.

Why triggers, when the disbursement aggregates are kept in Python (``funds.aggregates``):
money moves only through ``funds.services``, but a file's status, unit and review dates
change through many writes that bypass save() — the case sheet's bulk UPDATEs, a city's
bulk transfer, ``lapse_temporary_files``, retention — and one forgotten signal would
leave the dashboard wrong for good. A trigger on ``cases_case`` sees every one of them.
``funds_caseaid`` (kept by ``funds.aggregates``) has its own trigger, moving a file
between "aided" and "never aided" when its count crosses zero.

Each trigger takes off the rows files leave (an UPDATE) and adds to the rows they enter
(an ``INSERT … ON CONFLICT DO UPDATE``): per statement, grouped, on PostgreSQL
(``core.triggers.apply_deltas``); per file on SQLite. Both are safe when two clerks write
at once on PostgreSQL: the second waits for the first's row lock, then adds to its
result.
Postings hold their cases ``FOR SHARE`` before touching ``funds_caseaid``
(``aggregates._lock_cases``), so a concurrent status change waits and then reads the new
count.

The triggers are installed after ``migrate`` and the census rebuilt whenever they were
missing (``core.triggers``, which says why not in a migration).
``funds.aggregates.differences`` compares the census with the raw computation, so
``rebuild_aggregates --check`` proves it.
"""

from __future__ import annotations

from django.db import connection

from core.triggers import TriggerSet, apply_deltas, pause_check, refill

CENSUS_TABLE = "funds_casecensus"
AID_TABLE = "funds_caseaid"
CENSUS_KEYS = ["unit_id", "status", "checked_year", "reviewed_year", "aided"]
CENSUS_MEASURES = ["cases"]
PAUSED = "relief.census_paused"
# trigger -> (table, event), the same names on both databases
TRIGGER_EVENTS = {
    "funds_census_files_inserted": ("cases_case", "INSERT"),
    "funds_census_files_updated": ("cases_case", "UPDATE"),
    "funds_census_files_deleted": ("cases_case", "DELETE"),
    "funds_census_aid_inserted": ("funds_caseaid", "INSERT"),
    "funds_census_aid_updated": ("funds_caseaid", "UPDATE"),
    "funds_census_aid_deleted": ("funds_caseaid", "DELETE"),
}
TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
# PostgreSQL: the function each table's triggers call
FUNCTIONS = {"cases_case": "funds_census_files", "funds_caseaid": "funds_census_aid_moves"}


def _year_of(conn, column: str) -> str:
    if conn.vendor == "postgresql":
        return f"COALESCE(EXTRACT(YEAR FROM {column})::integer, 0)"
    return f"COALESCE(CAST(substr({column}, 1, 4) AS INTEGER), 0)"


def _checked_year(conn, row: str) -> str:
    """The later of the last review's and the verification's year (0: neither)."""
    greatest = "GREATEST" if conn.vendor == "postgresql" else "MAX"
    reviewed = _year_of(conn, f"{row}.last_reviewed_on")
    verified = _year_of(conn, f"{row}.verified_on")
    return f"{greatest}({reviewed}, {verified})"


def _reviewed_year(conn, row: str) -> str:
    return _year_of(conn, f"{row}.last_reviewed_on")


def _key_values(conn, row: str) -> list[str]:
    """The census key values (without ``aided``) of the file ``row``."""
    return [f"{row}.unit_id", f"{row}.status", _checked_year(conn, row), _reviewed_year(conn, row)]


def _key(conn, row: str) -> str:
    return ", ".join(_key_values(conn, row))


def _one_less() -> str:
    """SQLite's row triggers: take 1 off a census row, never below zero. A counted file's
    row is at least 1, so in use this is a plain ``cases - 1``; the floor is for a census
    emptied while files remain (a test database's flush deletes table by table, in an
    order that varies): an aid row deleted then moves a file into the never-aided row,
    and deleting the files next would take more off that row than was put in (PostgreSQL
    flushes by TRUNCATE, and its statement triggers floor as well: ``apply_deltas``).
    ``rebuild_aggregates --check`` still finds any count that differs from the files."""
    return "cases = MAX(cases - 1, 0)"


def _subtract(conn, row: str, aided: str) -> str:
    """Take the file ``row`` off its census row: an UPDATE, never an insert (a missing
    row has nothing to take off)."""
    keys = " AND ".join(
        f"{column} = {value}"
        for column, value in zip(CENSUS_KEYS, [*_key_values(conn, row), aided], strict=True)
    )
    return f"UPDATE {CENSUS_TABLE} SET {_one_less()} WHERE {keys}"


def _subtract_case(conn, case_id: str, aided: str) -> str:
    """``_subtract`` for the file with id ``case_id``, read from ``cases_case``."""
    return (
        f"UPDATE {CENSUS_TABLE} SET {_one_less()} WHERE ({', '.join(CENSUS_KEYS[:-1])}) = "
        f"(SELECT {_key(conn, 'c')} FROM cases_case c WHERE c.id = {case_id}) AND aided = {aided}"
    )


def _aided(case_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM {AID_TABLE} WHERE case_id = {case_id} AND count > 0)"


UPSERT_TAIL = (
    f"ON CONFLICT ({', '.join(CENSUS_KEYS)}) DO UPDATE SET cases = {CENSUS_TABLE}.cases + "
    "excluded.cases"
)
COLUMNS = f"{CENSUS_TABLE} ({', '.join(CENSUS_KEYS)}, cases)"


def computed_select(conn) -> str:
    """The census from the raw rows (keys, then the count), as ``funds.aggregates``'
    selects are written."""
    return (
        f"SELECT {_key(conn, 'c')}, CASE WHEN COALESCE(a.count, 0) > 0 THEN TRUE ELSE FALSE "
        f"END, COUNT(*) FROM cases_case c LEFT JOIN {AID_TABLE} a ON a.case_id = c.id "
        f"GROUP BY {_key(conn, 'c')}, CASE WHEN COALESCE(a.count, 0) > 0 THEN TRUE ELSE FALSE "
        "END ORDER BY 1, 2, 3, 4, 5"
    )


def _postgresql_sql(conn) -> list[str]:
    """Statement-level triggers with transition tables: one grouped change of the census
    per statement. Row-level ones updated the same census row once per file, and in one
    transaction (a sheet's or a job's) every update adds a row version that later ones
    must step over until commit: a 100,000-row import slowed to a crawl."""
    keys = ", ".join(f"k{i}" for i in range(len(CENSUS_KEYS)))
    named = ", ".join(f"{value} AS k{i}" for i, value in enumerate(_key_values(conn, "r")))

    def apply(deltas: str) -> str:
        return apply_deltas(CENSUS_TABLE, CENSUS_KEYS, "cases", deltas)

    def grouped(rows: str, aided: str, sign: int) -> str:
        # ``rows`` holds files as ``r``; the key of each, whether aided, counted by key.
        return f"SELECT {named}, {aided} AS k4, {sign} * COUNT(*) AS n FROM {rows} GROUP BY {keys}"

    moved = " OR ".join(
        f"o.{a} IS DISTINCT FROM r.{a}"
        for a in ("unit_id", "status", "last_reviewed_on", "verified_on")
    )
    aided_r = _aided("r.id")
    old_of = named.replace("r.", "o.")
    changed_files = f"""
        SELECT {keys}, SUM(n) AS n FROM (
            SELECT {old_of}, {_aided("o.id")} AS k4, -COUNT(*) AS n
                FROM old_rows o JOIN new_rows r ON r.id = o.id WHERE {moved}
                GROUP BY {keys}
            UNION ALL
            SELECT {named}, {aided_r} AS k4, COUNT(*) AS n
                FROM new_rows r JOIN old_rows o ON o.id = r.id WHERE {moved}
                GROUP BY {keys}
        ) both_sides GROUP BY {keys}"""

    def aid_moves(moves: str) -> str:
        # A file's aid crossing zero moves it between aided and never aided; ``moves``
        # gives (case_id, was, now) per file that crossed.
        return f"""
        SELECT {keys}, SUM(n) AS n FROM (
            SELECT {named}, m.was AS k4, -COUNT(*) AS n
                FROM ({moves}) m JOIN cases_case r ON r.id = m.case_id GROUP BY {keys}
            UNION ALL
            SELECT {named}, m.now AS k4, COUNT(*) AS n
                FROM ({moves}) m JOIN cases_case r ON r.id = m.case_id GROUP BY {keys}
        ) both_sides GROUP BY {keys}"""

    inserted = "SELECT case_id, FALSE AS was, TRUE AS now FROM new_rows WHERE count > 0"
    deleted = "SELECT case_id, TRUE AS was, FALSE AS now FROM old_rows WHERE count > 0"
    updated = (
        "SELECT r.case_id, o.count > 0 AS was, r.count > 0 AS now FROM new_rows r "
        "JOIN old_rows o ON o.case_id = r.case_id WHERE (o.count > 0) <> (r.count > 0)"
    )
    return [
        f"""
CREATE OR REPLACE FUNCTION funds_census_files() RETURNS trigger AS $$
BEGIN
    {pause_check(PAUSED)}
    IF TG_OP = 'INSERT' THEN
        {apply(grouped("new_rows r", aided_r, 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {apply(grouped("old_rows r", aided_r, -1))}
    ELSE
        {apply(changed_files)}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
        f"""
CREATE OR REPLACE FUNCTION funds_census_aid_moves() RETURNS trigger AS $$
BEGIN
    {pause_check(PAUSED)}
    IF TG_OP = 'INSERT' THEN
        {apply(aid_moves(inserted))}
    ELSIF TG_OP = 'DELETE' THEN
        {apply(aid_moves(deleted))}
    ELSE
        {apply(aid_moves(updated))}
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
        *[
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING "
            f"{TRANSITION_TABLES[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            for name, (table, event) in TRIGGER_EVENTS.items()
            for function in [FUNCTIONS[table]]
        ],
    ]


def _sqlite_sql(conn) -> list[str]:
    # Row-level (SQLite has no other kind; it updates a row in place, so many updates of
    # one census row cost no more each). A file's census row moves only when one of
    # these changes (IS NOT is SQLite's null-safe comparison).
    moved = " OR ".join(
        f"OLD.{a} IS NOT NEW.{a}" for a in ("unit_id", "status", "last_reviewed_on", "verified_on")
    )

    def add(row: str, aided: str) -> str:
        return f"INSERT INTO {COLUMNS} VALUES ({_key(conn, row)}, {aided}, 1) {UPSERT_TAIL};"

    def move(case_id: str, was: str, now: str) -> str:
        # ``WHERE`` is required: without it SQLite would read ON CONFLICT as a join's ON.
        return (
            f"{_subtract_case(conn, case_id, was)}; "
            f"INSERT INTO {COLUMNS} SELECT {_key(conn, 'c')}, {now}, 1 FROM cases_case c "
            f"WHERE c.id = {case_id} {UPSERT_TAIL};"
        )

    return [
        "CREATE TRIGGER IF NOT EXISTS funds_census_files_inserted AFTER INSERT ON cases_case "
        f"BEGIN {add('NEW', _aided('NEW.id'))} END",
        "CREATE TRIGGER IF NOT EXISTS funds_census_files_updated AFTER UPDATE ON cases_case "
        f"WHEN {moved} BEGIN {_subtract(conn, 'OLD', _aided('NEW.id'))}; "
        f"{add('NEW', _aided('NEW.id'))} END",
        "CREATE TRIGGER IF NOT EXISTS funds_census_files_deleted AFTER DELETE ON cases_case "
        f"BEGIN {_subtract(conn, 'OLD', _aided('OLD.id'))}; END",
        f"CREATE TRIGGER IF NOT EXISTS funds_census_aid_inserted AFTER INSERT ON {AID_TABLE} "
        f"WHEN NEW.count > 0 BEGIN {move('NEW.case_id', '0', '1')} END",
        f"CREATE TRIGGER IF NOT EXISTS funds_census_aid_updated AFTER UPDATE ON {AID_TABLE} "
        "WHEN (OLD.count > 0) IS NOT (NEW.count > 0) BEGIN "
        f"{move('NEW.case_id', '(OLD.count > 0)', '(NEW.count > 0)')} END",
        f"CREATE TRIGGER IF NOT EXISTS funds_census_aid_deleted AFTER DELETE ON {AID_TABLE} "
        f"WHEN OLD.count > 0 BEGIN {move('OLD.case_id', '1', '0')} END",
    ]


def rebuild(conn=None) -> None:
    """Replace the census with the raw computation."""
    conn = conn or connection
    refill(conn, CENSUS_TABLE, [*CENSUS_KEYS, *CENSUS_MEASURES], computed_select(conn))


def _create(conn) -> list[str]:
    return _postgresql_sql(conn) if conn.vendor == "postgresql" else _sqlite_sql(conn)


TRIGGERS = TriggerSet(
    triggers={name: table for name, (table, _event) in TRIGGER_EVENTS.items()},
    create=_create,
    rebuild=rebuild,
    kept_table=CENSUS_TABLE,
    functions=tuple(FUNCTIONS.values()),
    pause_setting=PAUSED,
    # The row-level triggers of before (one census update per file), dropped on install.
    retired={
        "funds_census_case_insert": "cases_case",
        "funds_census_case_update": "cases_case",
        "funds_census_case_delete": "cases_case",
        "funds_census_aid_insert": AID_TABLE,
        "funds_census_aid_update": AID_TABLE,
        "funds_census_aid_delete": AID_TABLE,
    },
    retired_functions=("funds_census_case", "funds_census_aid"),
)
