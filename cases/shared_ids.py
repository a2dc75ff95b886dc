"""The candidates of the city audit's duplicate-ID rule (``SharedIdNumber``), kept by
triggers on household members and files (``core.triggers`` says why triggers, and why
installed after ``migrate``).

A member's ID number becomes a candidate when, as it is written, it is already on
another file or in another household; a file's, when a member of another household holds
it. Candidates are never removed by the triggers (the rule checks each exactly);
``rebuild`` recomputes them. On SQLite one writer at a time needs no lock.

On PostgreSQL two writers of the same number at once must not both miss the other's
row. The triggers are deferred constraint triggers: the checks run at COMMIT, after all
the transaction's other writes, and their function first takes the transaction-level
advisory lock ``LOCK_KEY``, so transactions run their checks one at a time. A second
writer waits for the lock until the first has committed (a transaction's locks go after
its commit is visible), then checks with a fresh snapshot (one per statement of a
VOLATILE function) and sees the first's row: no pair is missed. No deadlock: the lock is
a transaction's last, and its holder then waits only for candidate rows, which only a
holder writes (``rebuild`` and ``forget`` take the lock too), so no cycle forms however
many numbers two transactions write, in whatever order or statements (a row locked per
number, or per bucket of a hash as before, deadlocked two bulk loads). It is one entry
of the server's lock table per transaction, however many numbers: taking it again adds
none (an advisory lock per number ran out of shared memory). The costs: commits writing
ID numbers check one at a time, and a transaction's candidates appear at its commit
(``check_now`` runs its pending checks earlier, as the tests do).
"""

from __future__ import annotations

from django.db import connection, transaction

from core.triggers import TriggerSet, refill

TABLE = "cases_sharedidnumber"
MEMBERS = "cases_householdmember"
# The key of the advisory lock the PostgreSQL checks run under (see above): "SHAREDID"
# in ASCII, a bigint no other lock of the project uses.
LOCK_KEY = 0x5348_4152_4544_4944
# The PostgreSQL trigger functions (members', files').
FUNCTIONS = ("cases_shared_id_member_check", "cases_shared_id_case_check")
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
    def function(name: str, current: str, collides: str) -> str:
        # The check runs at commit with NEW as written then: a row changed or deleted
        # since is skipped (a change queued a check of its own), so that a number
        # ``forget`` dropped earlier in the transaction does not come back from a
        # version no longer there.
        return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS ({current}) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    IF {collides} THEN
        INSERT INTO {TABLE} (id_number) VALUES (NEW.id_number) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql VOLATILE"""

    def trigger(name: str, event: str, table: str, when: str, function: str) -> str:
        # WHEN is evaluated as the row is written (not deferred): a blank number or an
        # update leaving the number and household queues no check.
        return (
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.id_number <> ''{when}) "
            f"EXECUTE FUNCTION {function}()"
        )

    member, case = "cases_shared_id_member", "cases_shared_id_case"
    member_check, case_check = FUNCTIONS
    return [
        function(
            member_check,
            f"SELECT 1 FROM {MEMBERS} r WHERE r.id = NEW.id AND "
            "r.id_number = NEW.id_number AND r.case_id = NEW.case_id",
            _member_collides("NEW"),
        ),
        function(
            case_check,
            "SELECT 1 FROM cases_case r WHERE r.id = NEW.id AND r.id_number = NEW.id_number",
            _case_collides("NEW"),
        ),
        trigger(f"{member}_inserted", "INSERT", MEMBERS, "", member_check),
        trigger(
            f"{member}_updated",
            "UPDATE",
            MEMBERS,
            " AND (OLD.id_number IS DISTINCT FROM NEW.id_number OR "
            "OLD.case_id IS DISTINCT FROM NEW.case_id)",
            member_check,
        ),
        trigger(f"{case}_inserted", "INSERT", "cases_case", "", case_check),
        trigger(
            f"{case}_updated",
            "UPDATE",
            "cases_case",
            " AND OLD.id_number IS DISTINCT FROM NEW.id_number",
            case_check,
        ),
    ]


def _sqlite_sql(conn) -> list[str]:
    def add(collides: str) -> str:
        # ``WHERE`` is required: without it SQLite would read ON CONFLICT as a join's ON.
        return (
            f"BEGIN INSERT INTO {TABLE} (id_number) SELECT NEW.id_number WHERE "
            f"NEW.id_number <> '' AND ({collides}) ON CONFLICT DO NOTHING; END"
        )

    return [
        f"CREATE TRIGGER cases_shared_id_member_inserted AFTER INSERT ON {MEMBERS} "
        f"{add(_member_collides('NEW'))}",
        f"CREATE TRIGGER cases_shared_id_member_updated AFTER UPDATE ON {MEMBERS} "
        "WHEN OLD.id_number IS NOT NEW.id_number OR OLD.case_id IS NOT NEW.case_id "
        f"{add(_member_collides('NEW'))}",
        "CREATE TRIGGER cases_shared_id_case_inserted AFTER INSERT ON cases_case "
        f"{add(_case_collides('NEW'))}",
        "CREATE TRIGGER cases_shared_id_case_updated AFTER UPDATE ON cases_case "
        f"WHEN OLD.id_number IS NOT NEW.id_number {add(_case_collides('NEW'))}",
    ]


def check_now(conn=None) -> None:
    """Run now the PostgreSQL checks this transaction's writes queued, as its commit
    would (for reading its own candidates before committing: the tests)."""
    conn = conn or connection
    if conn.vendor == "postgresql":
        names = ", ".join(TRIGGERS.triggers)
        with conn.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def _lock(conn) -> None:
    """Take the lock the PostgreSQL checks run under, for writing the candidates outside
    them (held until commit: call it for the transaction's last writes)."""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def rebuild(conn=None) -> None:
    """The candidates recomputed: exactly the numbers shared now."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias):
        _lock(conn)
        refill(conn, TABLE, ["id_number"], computed_select())


def forget(numbers: list[str], conn=None) -> None:
    """Drop ``numbers`` from the candidates, then put back those still shared by the
    records as they are now (retention: an anonymised person's number must not stay
    here, but a number two other records still share must)."""
    conn = conn or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        _lock(conn)
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
        "cases_shared_id_member_inserted": MEMBERS,
        "cases_shared_id_member_updated": MEMBERS,
        "cases_shared_id_case_inserted": "cases_case",
        "cases_shared_id_case_updated": "cases_case",
    },
    create=_create,
    rebuild=rebuild,
    kept_table=TABLE,
    functions=FUNCTIONS,
    # The immediate row triggers of before and their functions (they locked rows of
    # cases_idnumberlock), dropped on install: renamed, so that a database that has them
    # gets the deferred ones.
    retired={
        "cases_shared_id_member_insert": MEMBERS,
        "cases_shared_id_member_update": MEMBERS,
        "cases_shared_id_case_insert": "cases_case",
        "cases_shared_id_case_update": "cases_case",
    },
    retired_functions=("cases_shared_id_member", "cases_shared_id_case"),
)
