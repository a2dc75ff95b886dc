"""The case census (funds.census): every door that changes a file's unit, status, review
dates or aid keeps the census equal to the raw files — the services' save(), set-based
UPDATEs that bypass it (the case sheet, a re-evaluation, a shell), bulk_create, a
transfer, a deletion, a payment and its reversal — and the dashboard's and the audit's
counts read from it equal the case list's querysets in every scope."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus
from cases.resources import CaseResource
from cases.transfers import case_move
from funds import aggregates, census
from funds.models import CaseAid, CaseCensus
from funds.selectors import cases_never_aided, census_counts, not_reviewed_per_group
from funds.services import entry_reverse
from reports import audit
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory, _bookkeeper, pay_cash
from tests.sheets.helpers import import_sheet

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def census_differences() -> list[str]:
    return [str(d) for d in aggregates.differences() if d.table == census.CENSUS_TABLE]


def assert_counts_match(user) -> None:
    """The census's counts for ``user`` equal the querysets the case list filters with."""
    cases = Case.objects.for_user(user)
    counts = census_counts(user, TODAY)
    assert counts.pending == cases.filter(status=CaseStatus.PENDING).count()
    assert counts.review_due == cases.due_for_review(TODAY).count()
    assert counts.never_aided == cases_never_aided(cases).count()
    per_district = not_reviewed_per_group(
        user, TODAY.year, audit._district_path("unit__tree_path")
    )
    assert sum(per_district.values()) == cases.not_reviewed_this_year(TODAY).count()


@pytest.fixture
def files(units):
    unit = units["张浦镇工会"]
    return {
        "pending": CaseFactory(unit=unit, name="普查甲"),
        "verified": CaseFactory(unit=unit, name="普查乙", verified=True),
        "long_term": CaseFactory(unit=unit, name="普查丙", long_term=True),
        "exited": CaseFactory(unit=unit, name="普查丁", exited=True),
        "wuzhong": CaseFactory(unit=units["木渎镇工会"], name="普查戊", verified=True),
    }


@pytest.fixture
def fund(units):
    return FundFactory(unit=units["昆山市总工会"], name="普查基金", opening=Decimal("10000"))


def test_new_files_are_counted_by_status_and_year_checked(files, units):
    assert census_differences() == []
    rows = set(
        CaseCensus.objects.filter(unit=units["张浦镇工会"], cases__gt=0).values_list(
            "status", "checked_year", "reviewed_year", "aided", "cases"
        )
    )
    assert rows == {
        (CaseStatus.PENDING, 0, 0, False, 1),
        (CaseStatus.VERIFIED, 2007, 0, False, 1),
        (CaseStatus.LONG_TERM, 2007, 0, False, 1),
        (CaseStatus.EXITED, 2007, 0, False, 1),
    }


@pytest.mark.parametrize("role", ["kunshan_clerk", "wuzhong_clerk", "city_auditor"])
def test_the_counts_equal_the_case_lists_rules_in_each_scope(request, files, role):
    assert_counts_match(request.getfixturevalue(role))


def test_a_payment_and_its_reversal_move_the_file_between_aided_and_never(
    files, fund, kunshan_clerk
):
    bookkeeper = _bookkeeper()
    first = pay_cash(
        case=files["verified"], fund=fund, amount=Decimal("100"), acting_user=bookkeeper
    )
    assert census_counts(kunshan_clerk, TODAY).never_aided == 1  # the long-term file
    second = pay_cash(
        case=files["verified"], fund=fund, amount=Decimal("50"), acting_user=bookkeeper
    )
    entry_reverse(entry=first.ledger_entry, reason="发错", acting_user=bookkeeper)
    assert census_counts(kunshan_clerk, TODAY).never_aided == 1  # one payment still stands
    entry_reverse(entry=second.ledger_entry, reason="发错", acting_user=bookkeeper)
    assert census_counts(kunshan_clerk, TODAY).never_aided == 2
    assert census_differences() == []
    assert_counts_match(kunshan_clerk)


def test_a_review_verification_and_exit_through_the_services(files, kunshan_head, kunshan_clerk):
    case_services.review_record(
        case=files["verified"], reviewed_on=TODAY, outcome="continue", acting_user=kunshan_head
    )
    case_services.case_verify(case=files["pending"], acting_user=kunshan_head)
    assert census_differences() == []
    assert_counts_match(kunshan_clerk)
    assert census_counts(kunshan_clerk, TODAY).review_due == 1  # the long-term file


def test_set_based_updates_that_bypass_save(files, units, kunshan_clerk, city_auditor):
    # As a shell, a data migration or a bulk write would: no save(), no signal.
    QuerySet(Case).filter(pk=files["verified"].pk).update(status=CaseStatus.EXITED)
    QuerySet(Case).filter(pk=files["long_term"].pk).update(unit=units["木渎镇工会"])
    QuerySet(Case).filter(pk=files["wuzhong"].pk).update(
        last_reviewed_on=datetime.date(TODAY.year, 1, 2)
    )
    assert census_differences() == []
    for user in (kunshan_clerk, city_auditor):
        assert_counts_match(user)


def test_bulk_create_and_delete(units, kunshan_clerk):
    made = Case.objects.bulk_create(
        [
            CaseFactory.build(
                unit=units["张浦镇工会"],
                name=f"批量{n}",
                id_number=number,
                gender="M",
                birth_date=datetime.date(1980, 1, 1),
            )
            for n, number in enumerate(["320583198001010016", "320583198001010032"])
        ]
    )
    assert census_counts(kunshan_clerk, TODAY).pending == 2
    Case.objects.filter(pk=made[0].pk).delete()
    assert census_counts(kunshan_clerk, TODAY).pending == 1
    assert census_differences() == []


def test_the_case_sheet_writes_the_census(files, kunshan_clerk):
    result = import_sheet(  # fmt: skip
        CaseResource,
        kunshan_clerk,
        [
            {
                "姓名": "普查己",
                "身份证号": "32058319850202001X",
                "所属工会": "张浦镇工会",
                "困难类别": "困难职工",
            }
        ],
        ["姓名", "身份证号", "所属工会", "困难类别"],
    )
    assert [str(e) for e in result.errors] == []
    assert census_counts(kunshan_clerk, TODAY).pending == 2
    assert census_differences() == []


def test_a_city_move_takes_the_file_to_the_other_district(
    files, units, city_admin, kunshan_clerk, wuzhong_clerk
):
    case_move(
        case=files["verified"],
        to_unit=units["木渎镇工会"],
        reason="区划调整",
        acting_user=city_admin,
    )
    assert census_counts(kunshan_clerk, TODAY).review_due == 1
    assert census_counts(wuzhong_clerk, TODAY).review_due == 2
    assert census_differences() == []


@pytest.mark.parametrize("order", ["aid first", "files first"])
def test_emptying_the_census_before_the_files_leaves_no_negative_count(files, units, order):
    # A test database's flush on SQLite deletes table by table, the census among them, in
    # an order that changes from run to run. A file never aided beside an aided one:
    # deleting the aid first puts the aided one back into the never-aided row, which the
    # deletion of both files then takes 2 off.
    QuerySet(CaseAid).create(case=files["verified"], count=1)
    CaseFactory(unit=units["张浦镇工会"], name="普查庚", verified=True)
    CaseCensus.objects.all().delete()
    aid = QuerySet(CaseAid).all()
    if order == "aid first":
        aid.delete()
    QuerySet(Case).all().delete()
    aid.delete()

    assert list(CaseCensus.objects.filter(cases__lt=0).values_list("status", "cases")) == []
    assert census_differences() == []  # no files, and every row left says 0


def test_a_planted_difference_is_reported_and_rebuilt(files):
    CaseCensus.objects.filter(status=CaseStatus.VERIFIED).update(cases=7)
    found = census_differences()
    assert found and all("funds_casecensus" in line for line in found)
    aggregates.rebuild()
    assert census_differences() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers to migrate")
def test_missing_triggers_are_put_back_and_the_census_rebuilt(files, units):
    census.TRIGGERS.uninstall(connection)
    assert census.TRIGGERS.installed(connection) == set()
    QuerySet(Case).filter(pk=files["pending"].pk).update(status=CaseStatus.VERIFIED)
    assert census_differences() != []  # the write went uncounted

    assert census.TRIGGERS.install(connection) is True
    assert census.TRIGGERS.installed(connection) == set(census.TRIGGERS.triggers)
    assert census_differences() == []
    assert census.TRIGGERS.install(connection) is False  # nothing missing: nothing to do


def test_paused_triggers_count_nothing_and_count_again_after(files):
    from django.db import transaction

    with transaction.atomic():
        with census.TRIGGERS.paused(connection):
            QuerySet(Case).filter(pk=files["pending"].pk).update(status=CaseStatus.VERIFIED)
        assert census_differences() != []  # the write went uncounted (a rebuild follows)
        census.rebuild(connection)
        QuerySet(Case).filter(pk=files["pending"].pk).update(status=CaseStatus.PENDING)
        assert census_differences() == []  # counted again
