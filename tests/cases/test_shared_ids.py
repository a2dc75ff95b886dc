"""The duplicate-ID candidates (cases.shared_ids) follow every way a number comes to be
shared — a member added or changed, a file added — and the audit's rule, which reads
only them, finds exactly what the join of every member with every file found."""

import pytest
from django.db import connection
from django.db.models import QuerySet

from cases import shared_ids
from cases.models import HouseholdMember, SharedIdNumber
from funds import aggregates
from reports import audit
from tests.cases.factories import CaseFactory, HouseholdMemberFactory

pytestmark = pytest.mark.django_db

CHILD = "320583200501010012"
SPOUSE = "320583198001010016"


def run_checks() -> None:
    """On PostgreSQL the triggers check at commit, and a test's transaction never
    commits: run the checks its writes queued now, as a commit would."""
    shared_ids.check_now()


def candidates() -> set[str]:
    run_checks()
    return set(SharedIdNumber.objects.values_list("id_number", flat=True))


def findings(user) -> set[tuple[str, str]]:
    return {(row["name"], row["case__name"]) for row in audit._duplicate_rows(user)}


@pytest.fixture
def households(units):
    unit = units["张浦镇工会"]
    return CaseFactory(unit=unit, name="户主甲"), CaseFactory(unit=unit, name="户主乙")


def test_a_child_in_two_households_becomes_a_candidate(households, city_auditor):
    first, second = households
    HouseholdMemberFactory(case=first, name="孩子", id_number=CHILD)
    assert candidates() == set()  # one household only: nothing shared
    HouseholdMemberFactory(case=second, name="孩子", id_number=CHILD)
    assert candidates() == {CHILD}
    assert findings(city_auditor) == {("孩子", "户主甲"), ("孩子", "户主乙")}
    assert sum(audit.counts(audit.RULES_BY_CODE["duplicates"], city_auditor).values()) == 2


def test_a_member_on_file_elsewhere_either_way_round(households, units, city_auditor):
    first, _second = households
    member = HouseholdMemberFactory(case=first, name="配偶", id_number="")
    QuerySet(HouseholdMember).filter(pk=member.pk).update(id_number=SPOUSE)  # no save()
    assert candidates() == set()
    CaseFactory(unit=units["木渎镇工会"], name="配偶", id_number=SPOUSE)  # the file comes later
    assert candidates() == {SPOUSE}
    assert findings(city_auditor) == {("配偶", "户主甲")}


def test_a_stale_candidate_finds_nothing_and_a_rebuild_drops_it(households, city_auditor):
    first, second = households
    HouseholdMemberFactory(case=first, name="孩子", id_number=CHILD)
    twin = HouseholdMemberFactory(case=second, name="孩子", id_number=CHILD)
    assert candidates() == {CHILD}
    twin.delete()
    assert candidates() == {CHILD}  # only ever added to
    assert findings(city_auditor) == set()
    assert [d for d in aggregates.differences() if d.table == shared_ids.TABLE] == []
    shared_ids.rebuild()
    assert candidates() == set()


def test_a_missing_candidate_is_a_difference(households):
    first, second = households
    HouseholdMemberFactory(case=first, name="孩子", id_number=CHILD)
    HouseholdMemberFactory(case=second, name="孩子", id_number=CHILD)
    run_checks()
    SharedIdNumber.objects.all().delete()
    found = [str(d) for d in aggregates.differences() if d.table == shared_ids.TABLE]
    assert found == [f"{shared_ids.TABLE} ('{CHILD}',): stored (0,), computed (1,)"]


@pytest.mark.postgres_only
def test_the_checks_at_commit_read_the_rows_as_they_are_then(households):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's checks at commit (SQLite's run as each row is written)")
    first, second = households
    HouseholdMemberFactory(case=first, name="孩子", id_number=CHILD)
    twin = HouseholdMemberFactory(case=second, name="孩子", id_number=CHILD)
    QuerySet(HouseholdMember).filter(pk=twin.pk).update(id_number=SPOUSE)  # before commit
    assert candidates() == set()  # not shared when the checks ran


def test_the_triggers_are_in_place_after_migrate():
    assert shared_ids.TRIGGERS.installed(connection) == set(shared_ids.TRIGGERS.triggers)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgdeferrable AND tginitdeferred FROM pg_trigger "
                "WHERE tgname = ANY(%s)",
                [list(shared_ids.TRIGGERS.triggers)],
            )
            assert all(deferred for _name, deferred in cursor.fetchall())
            cursor.execute("SELECT to_regclass('cases_idnumberlock')")
            assert cursor.fetchone() == (None,)  # the lock rows of before are gone


def two_clerks_at_once(units) -> None:
    """Two clerks add the same child to two households: the first's checks have run
    (``run_checks``: as at its commit) but it has not committed when the second writes
    and commits."""
    import threading
    import time

    from django.db import connections, transaction

    first = CaseFactory(unit=units["张浦镇工会"], name="户主甲")
    second = CaseFactory(unit=units["木渎镇工会"], name="户主乙")
    start = threading.Barrier(2)
    crashed: list[BaseException] = []

    def clerk(case, wait_before: float, hold: float) -> None:
        try:
            start.wait()
            time.sleep(wait_before)
            with transaction.atomic():
                HouseholdMemberFactory(case=case, name="孩子", id_number=CHILD)
                run_checks()
                time.sleep(hold)  # the other clerk writes while this is not committed
        except BaseException as error:  # reported below
            crashed.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=clerk, args=(first, 0, 0.8)),
        threading.Thread(target=clerk, args=(second, 0.2, 0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert crashed == []
    assert HouseholdMember.objects.filter(id_number=CHILD).count() == 2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clerks_writing_the_same_number_at_once_are_not_missed(units):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real concurrent transactions")
    two_clerks_at_once(units)
    assert candidates() == {CHILD}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_two_clerks_miss_each_other(units):
    """The test above would catch a missing lock: without it, each clerk's check runs
    before the other's row is committed."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real concurrent transactions")
    functions = [
        sql for sql in shared_ids._create(connection) if "CREATE OR REPLACE FUNCTION" in sql
    ]
    lock = f"PERFORM pg_advisory_xact_lock({shared_ids.LOCK_KEY});"
    assert all(lock in sql for sql in functions)
    with connection.cursor() as cursor:
        for sql in functions:
            cursor.execute(sql.replace(lock, ""))
    try:
        two_clerks_at_once(units)
        assert candidates() == set()
    finally:
        with connection.cursor() as cursor:
            for sql in functions:
                cursor.execute(sql)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_bulk_writers_in_opposite_orders_do_not_deadlock(units):
    """A sheet import of files and a household's members with the same numbers, written
    in opposite orders in several statements each and interleaved: locks taken per
    number as they are written (the bucket rows of before) would deadlock here; checks
    at commit under one lock let both commit, and every number is a candidate."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real concurrent transactions")
    import random
    import threading

    from django.db import connections, transaction

    from cases.idnumbers import random_id_number
    from cases.models import Case

    rng = random.Random(11)
    numbers = sorted({random_id_number(rng) for _ in range(400)})
    half = len(numbers) // 2
    household = CaseFactory(unit=units["木渎镇工会"], name="大户")
    unit = units["张浦镇工会"]
    halfway = threading.Barrier(2, timeout=20)
    crashed: list[BaseException] = []

    def files(chunk: list[str]) -> None:
        cases = [CaseFactory.build(unit=unit, id_number=number) for number in chunk]
        for case in cases:
            case.derive_from_id_number()
        Case.objects.bulk_create(cases, batch_size=50)

    def members(chunk: list[str]) -> None:
        HouseholdMember.objects.bulk_create(
            [HouseholdMember(case=household, relation="other", name="成员", id_number=n)
             for n in chunk],
            batch_size=50,
        )  # fmt: skip

    def writer(write, order: list[str]) -> None:
        try:
            with transaction.atomic():
                write(order[:half])
                halfway.wait()  # each holds what it wrote of its first half
                write(order[half:])
        except BaseException as error:  # reported below
            crashed.append(error)
            halfway.abort()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=(files, numbers)),
        threading.Thread(target=writer, args=(members, numbers[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashed == []
    assert Case.objects.filter(id_number__in=numbers).count() == len(numbers)
    assert HouseholdMember.objects.filter(case=household).count() == len(numbers)
    assert candidates() == set(numbers)
    assert shared_ids.missing() == []


@pytest.mark.postgres_only
def test_one_transaction_writes_more_numbers_than_the_lock_table_holds(units):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's lock table")
    import random

    from cases.idnumbers import random_id_number

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_locks_per_transaction")
        per_transaction = int(cursor.fetchone()[0])
        cursor.execute("SHOW max_connections")
        slots = per_transaction * int(cursor.fetchone()[0])
    case = CaseFactory(unit=units["张浦镇工会"], name="大户")
    rng = random.Random(7)
    numbers = {random_id_number(rng) for _ in range(slots * 3)}

    # One lock per number (an advisory lock per number) needs more than the lock table
    # holds, with its spare shared memory: "out of shared memory".
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(case=case, relation="other", name="成员", id_number=n) for n in numbers],
        batch_size=2000,
    )
    run_checks()  # every number's check, as at commit, each taking the lock again

    assert HouseholdMember.objects.filter(case=case).count() == len(numbers)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone() == (1,)  # one entry, however many numbers
