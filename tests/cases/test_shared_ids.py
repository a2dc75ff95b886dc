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


def candidates() -> set[str]:
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
    SharedIdNumber.objects.all().delete()
    found = [str(d) for d in aggregates.differences() if d.table == shared_ids.TABLE]
    assert found == [f"{shared_ids.TABLE} ('{CHILD}',): stored (0,), computed (1,)"]


def test_the_triggers_are_in_place_after_migrate():
    assert shared_ids.TRIGGERS.installed(connection) == set(shared_ids.TRIGGERS.triggers)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clerks_writing_the_same_number_at_once_are_not_missed(units):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two real concurrent transactions")
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
    assert candidates() == {CHILD}


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

    # One lock per number (an advisory lock) needs more than the lock table holds, with
    # its spare shared memory: "out of shared memory".
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(case=case, relation="other", name="成员", id_number=n) for n in numbers],
        batch_size=2000,
    )

    assert HouseholdMember.objects.filter(case=case).count() == len(numbers)
