"""The candidates of the city audit's duplicate-ID rule (``SharedIdNumber``), kept by
triggers on household members and files (``core.triggers`` says why triggers, and why
installed after ``migrate``).

A member's ID number becomes a candidate when, as it is written, it is already on
another file or in another household; a file's, when a member of another household holds
it. On PostgreSQL two clerks writing the same number at once are put in turn before
looking: each writer first upserts the row of the number's bucket in
``cases_idnumberlock`` (``IdNumberLock``: a hash of the number, never the number), which
holds the row (or makes the second writer wait for the first's uncommitted one) until
commit; the second then looks with a fresh snapshot and sees the
first's row, so no pair is missed. A row, not an advisory lock: a transaction writing
many numbers (a 100,000-row sheet, a bulk load) would need one entry of the server's
lock table per number (``max_locks_per_transaction``: a bulk load of members ran out of
shared memory), while row locks live in the rows. On SQLite one writer at a time needs
no lock and the table stays empty. Candidates are never removed by the triggers (the
rule checks each exactly); ``rebuild`` recomputes them.
"""

from __future__ import annotations

from django.db import connection, transaction

from core.triggers import TriggerSet, refill

TABLE = "cases_sharedidnumber"
MEMBERS = "cases_householdmember"
LOCKS = "cases_idnumberlock"
# Lock rows are buckets of a hash of the number (models.IdNumberLock says why): two
# writers of different numbers in one bucket wait for each other too, rarely.
LOCK_BUCKETS = 2**20
# Numbers per statement of ``forget`` (a query's parameters are finite, SQLite's most).
FORGET_CHUNK = 500


def _member_collides(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM cases_case c WHERE c.id_number = {row}.id_number "
        f"AND c.id <> {row}.case_id) OR EXISTS (SELECT 1 FROM {MEMBERS} o "
        f"WHERE o.id_number = {row}.id_number AND o.case_id <> {row}.case_id)"
    )


def _case_collides(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM {MEMBERS} o WHERE o.id_number = {row}.id_number "
        f"AND o.case_id <> {row}.id)"
    )


def computed_select() -> str:
    """Every ID number shared now, from the raw rows."""
    return (
        f"SELECT m.id_number FROM {MEMBERS} m WHERE m.id_number <> '' AND "
        f"({_member_collides('m')}) GROUP BY m.id_number"
    )


def _postgresql_sql(conn) -> list[str]:
    def function(name: str, collides: str) -> str:
        return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF NEW.id_number = '' THEN
        RETURN NULL;
    END IF;
    INSERT INTO {LOCKS} (bucket) VALUES (hashtext(NEW.id_number) & {LOCK_BUCKETS - 1})
        ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket;
    IF {collides} THEN
        INSERT INTO {TABLE} (id_number) VALUES (NEW.id_number) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""

    return [
        function("cases_shared_id_member", _member_collides("NEW")),
        function("cases_shared_id_case", _case_collides("NEW")),
        f"CREATE TRIGGER cases_shared_id_member_insert AFTER INSERT ON {MEMBERS} "
        "FOR EACH ROW EXECUTE FUNCTION cases_shared_id_member()",
        f"CREATE TRIGGER cases_shared_id_member_update AFTER UPDATE ON {MEMBERS} "
        "FOR EACH ROW WHEN (OLD.id_number IS DISTINCT FROM NEW.id_number OR "
        "OLD.case_id IS DISTINCT FROM NEW.case_id) EXECUTE FUNCTION cases_shared_id_member()",
        "CREATE TRIGGER cases_shared_id_case_insert AFTER INSERT ON cases_case "
        "FOR EACH ROW EXECUTE FUNCTION cases_shared_id_case()",
        "CREATE TRIGGER cases_shared_id_case_update AFTER UPDATE ON cases_case "
        "FOR EACH ROW WHEN (OLD.id_number IS DISTINCT FROM NEW.id_number) "
        "EXECUTE FUNCTION cases_shared_id_case()",
    ]


def _sqlite_sql(conn) -> list[str]:
    def add(collides: str) -> str:
        # ``WHERE`` is required: without it SQLite would read ON CONFLICT as a join's ON.
        return (
            f"BEGIN INSERT INTO {TABLE} (id_number) SELECT NEW.id_number WHERE "
            f"NEW.id_number <> '' AND ({collides}) ON CONFLICT DO NOTHING; END"
        )

    return [
        f"CREATE TRIGGER cases_shared_id_member_insert AFTER INSERT ON {MEMBERS} "
        f"{add(_member_collides('NEW'))}",
        f"CREATE TRIGGER cases_shared_id_member_update AFTER UPDATE ON {MEMBERS} "
        "WHEN OLD.id_number IS NOT NEW.id_number OR OLD.case_id IS NOT NEW.case_id "
        f"{add(_member_collides('NEW'))}",
        "CREATE TRIGGER cases_shared_id_case_insert AFTER INSERT ON cases_case "
        f"{add(_case_collides('NEW'))}",
        "CREATE TRIGGER cases_shared_id_case_update AFTER UPDATE ON cases_case "
        f"WHEN OLD.id_number IS NOT NEW.id_number {add(_case_collides('NEW'))}",
    ]


def rebuild(conn=None) -> None:
    """The candidates recomputed: exactly the numbers shared now."""
    refill(conn or connection, TABLE, ["id_number"], computed_select())


def forget(numbers: list[str], conn=None) -> None:
    """Drop ``numbers`` from the candidates, then put back those still shared by the
    records as they are now (retention: an anonymised person's number must not stay
    here, but a number two other records still share must)."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for start in range(0, len(numbers), FORGET_CHUNK):
            chunk = numbers[start : start + FORGET_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {TABLE} WHERE id_number IN ({marks})", chunk)
            cursor.execute(
                f"INSERT INTO {TABLE} (id_number) SELECT s.id_number FROM "
                f"({computed_select()}) s WHERE s.id_number IN ({marks})",
                chunk,
            )


def missing(conn=None) -> list[str]:
    """Numbers shared now that are not candidates (stale candidates are not a fault)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id_number FROM ({computed_select()}) s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {TABLE} t WHERE t.id_number = s.id_number) ORDER BY 1"
        )
        return [number for (number,) in cursor.fetchall()]


def _create(conn) -> list[str]:
    return _postgresql_sql(conn) if conn.vendor == "postgresql" else _sqlite_sql(conn)


TRIGGERS = TriggerSet(
    triggers={
        "cases_shared_id_member_insert": MEMBERS,
        "cases_shared_id_member_update": MEMBERS,
        "cases_shared_id_case_insert": "cases_case",
        "cases_shared_id_case_update": "cases_case",
    },
    create=_create,
    rebuild=rebuild,
    kept_table=TABLE,
    functions=("cases_shared_id_member", "cases_shared_id_case"),
)
