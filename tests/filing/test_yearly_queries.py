"""The yearly queries (FILING.md): 一年未更新, 从未帮扶, 年度复核到期, 回访到期 — each a
case-list filter and a dashboard card counting exactly what the filter lists, in the
user's scope, at a constant number of queries."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.filing import follow_up_due_after
from cases.models import AnnualReview, Case, CaseStatus, HardshipType, SubsistenceLine
from core.dates import a_year_before, add_months
from funds.selectors import cases_never_aided
from funds.services import entry_reverse
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory, _bookkeeper, pay_cash
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR_START = datetime.date(TODAY.year, 1, 1)
LAST_YEAR = datetime.date(TODAY.year - 1, 3, 1)
_names = itertools.count()


def _a_year_ago() -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(a_year_before(TODAY), datetime.time.min))


def _set_updated_at(case, when) -> None:
    # A plain UPDATE: save() would set it to now.
    QuerySet(Case).filter(pk=case.pk).update(updated_at=when)


def _case(unit, **fields):
    fields.setdefault("name", f"年度查询{next(_names)}")
    return CaseFactory(unit=unit, **fields)


# --- each rule at its boundary ---------------------------------------------------------


def test_not_updated_in_a_year(units):
    unit = units["张浦镇工会"]
    stale = _case(unit, verified=True)
    fresh = _case(unit, verified=True)
    exited = _case(unit, exited=True)
    lapsed = _case(unit, status=CaseStatus.LAPSED)
    _set_updated_at(stale, _a_year_ago() - datetime.timedelta(seconds=1))
    _set_updated_at(fresh, _a_year_ago())  # exactly a year ago: still within the year
    # Closed files are not asked about: an exit is followed up, a lapsed file is over.
    _set_updated_at(exited, _a_year_ago() - datetime.timedelta(days=30))
    _set_updated_at(lapsed, _a_year_ago() - datetime.timedelta(days=30))

    assert list(Case.objects.not_updated_in_a_year(TODAY)) == [stale]


def test_a_re_evaluation_is_not_an_update_but_a_person_saving_is(units, kunshan_head):
    unit = units["昆山市总工会"]
    case = _case(unit, verified=True, monthly_income_per_capita=Decimal("900"))
    long_ago = _a_year_ago() - datetime.timedelta(days=3)
    _set_updated_at(case, long_ago)

    services.subsistence_line_save(
        line=SubsistenceLine(unit=unit, monthly_amount=Decimal("1045"), effective_on=TODAY),
        acting_user=kunshan_head,
    )
    case.refresh_from_db()
    assert case.hardship_type == HardshipType.DEEP  # the re-evaluation wrote the file
    assert list(Case.objects.not_updated_in_a_year(TODAY)) == [case]

    services.review_record(
        case=case, reviewed_on=TODAY, outcome="continue", acting_user=kunshan_head
    )
    assert not Case.objects.not_updated_in_a_year(TODAY).exists()


def test_due_for_annual_review(units, kunshan_head):
    unit = units["张浦镇工会"]
    due_never_reviewed = _case(unit, verified=True)  # verified in 2007
    due_reviewed_last_year = _case(unit, verified=True, last_reviewed_on=LAST_YEAR)
    due_long_term = _case(unit, long_term=True)
    reviewed = _case(unit, verified=True)
    services.review_record(
        case=reviewed, reviewed_on=YEAR_START, outcome="continue", acting_user=kunshan_head
    )
    _case(unit, verified=True, verified_on=YEAR_START)  # verified this year: checked then
    _case(unit)  # pending
    _case(unit, exited=True)

    assert set(Case.objects.due_for_review(TODAY)) == {
        due_never_reviewed,
        due_reviewed_last_year,
        due_long_term,
    }
    # The same answer as the reviews themselves say, for the files on file before.
    assert AnnualReview.objects.filter(case=reviewed, year=TODAY.year).exists()


def test_follow_up_due(units):
    unit = units["张浦镇工会"]
    due_today = _case(unit, exited=True, exited_on=add_months(TODAY, -6))
    due_tomorrow = _case(
        unit, exited=True, exited_on=add_months(TODAY, -6) + datetime.timedelta(days=1)
    )
    for case in (due_today, due_tomorrow):
        case.follow_up_due_on = follow_up_due_after(case.exited_on, 0)
        case.save()
    _case(unit, verified=True)

    assert list(Case.objects.follow_up_due(TODAY)) == [due_today]
    assert set(Case.objects.follow_up_due(TODAY + datetime.timedelta(days=1))) == {
        due_today,
        due_tomorrow,
    }


def test_never_aided(units):
    fund = FundFactory(unit=units["昆山市总工会"], name="昆山送温暖", opening=Decimal("10000"))
    unit = units["张浦镇工会"]
    never = _case(unit, verified=True)
    paid = _case(unit, long_term=True)
    reversed_only = _case(unit, verified=True)
    _case(unit)  # pending: not on file, not asked about
    _case(unit, exited=True)
    bookkeeper = _bookkeeper()
    pay_cash(case=paid, fund=fund, amount=Decimal("500"), acting_user=bookkeeper)
    wrong = pay_cash(case=reversed_only, fund=fund, amount=Decimal("500"), acting_user=bookkeeper)
    entry_reverse(entry=wrong.ledger_entry, reason="发错人", acting_user=bookkeeper)

    assert set(cases_never_aided(Case.objects.all())) == {never, reversed_only}


# --- the filters and the cards, in scope ------------------------------------------------


def _one_of_each(unit, fund):
    """A file for each query in ``unit``; returns nothing, the counts say it."""
    stale = _case(unit)
    _set_updated_at(stale, _a_year_ago() - datetime.timedelta(days=1))
    _case(unit, verified=True)  # due for review, never aided
    exited = _case(unit, exited=True, exited_on=add_months(TODAY, -7))
    exited.follow_up_due_on = follow_up_due_after(exited.exited_on, 0)
    exited.save()
    flagged = _case(unit, verified=True)
    QuerySet(Case).filter(pk=flagged.pk).update(
        type_review_pending=True, hardship_type=HardshipType.NONE
    )
    pay_cash(case=flagged, fund=fund, amount=Decimal("100"), acting_user=_bookkeeper())


EXPECTED = {
    # title: count in Kunshan (Wuzhong has the same again)
    "回访到期": 1,
    "年度复核到期": 2,  # the verified file and the flagged one (both verified in 2007)
    "一年未更新": 1,
    "从未帮扶": 1,
    "困难类型变化待复核": 1,
    "已不符合困难类型（待复核）": 1,
}


@pytest.fixture
def both_districts(units):
    _one_of_each(
        units["张浦镇工会"],
        FundFactory(unit=units["昆山市总工会"], name="昆山基金", opening=Decimal("100000")),
    )
    _one_of_each(
        units["木渎镇工会"],
        FundFactory(unit=units["吴中区总工会"], name="吴中基金", opening=Decimal("100000")),
    )


@pytest.mark.parametrize(("role", "times"), [("kunshan_clerk", 1), ("city_auditor", 2)])
def test_each_card_counts_what_its_filter_lists_in_scope(
    request, client_for, both_districts, role, times
):
    client = client_for(request.getfixturevalue(role))
    index = client.get(reverse("admin:index"))
    cards = {card["title"]: card for card in index.context["dashboard"]}
    page = index.content.decode()
    for title, count in EXPECTED.items():
        card = cards[title]
        assert card["count"] == count * times, title
        assert f'href="{card["url"]}"' in page
        response = client.get(card["url"])
        assert response.status_code == 200, title
        cl = response.context["cl"]
        assert cl.result_count == card["count"], title
        units = {case.unit.name for case in cl.result_list}
        assert units == ({"张浦镇工会"} if times == 1 else {"张浦镇工会", "木渎镇工会"}), title


def test_the_filters_are_in_the_case_list_sidebar(client_for, kunshan_clerk):
    page = client_for(kunshan_clerk).get(reverse("admin:cases_case_changelist")).content.decode()
    for label in ("年度查询", "一年未更新", "年度复核到期", "回访到期", "受助情况", "从未帮扶"):
        assert label in page


QUERIES = {
    "yearly=not_updated": lambda unit: _set_updated_at(
        _case(unit), _a_year_ago() - datetime.timedelta(days=2)
    ),
    "yearly=review_due": lambda unit: _case(unit, verified=True),
    "yearly=follow_up_due": lambda unit: _case(
        unit, exited=True, exited_on=add_months(TODAY, -8), follow_up_due_on=TODAY
    ),
    "aided=never": lambda unit: _case(unit, verified=True),
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_each_filtered_list_costs_the_same_queries(units, client_for, kunshan_clerk, query):
    make = QUERIES[query]

    def rows(n):
        for _ in range(n):
            make(units["张浦镇工会"])

    url = reverse("admin:cases_case_changelist") + f"?{query}"
    assert_constant_queries(client_for(kunshan_clerk), url, rows)


def test_the_dashboard_costs_the_same_queries(units, client_for, kunshan_clerk):
    fund = FundFactory(unit=units["昆山市总工会"], name="昆山基金", opening=Decimal("100000"))

    def rows(n):
        for _ in range(n):
            _one_of_each(units["张浦镇工会"], fund)

    def counted(response):
        return sum(card["count"] for card in response.context["dashboard"])

    assert_constant_queries(client_for(kunshan_clerk), reverse("admin:index"), rows, shown=counted)


def test_status_choices_unchanged():
    # The queries name statuses; a new one would need a decision here.
    # temporary and lapsed (临时救助档案) came with issue 17 part 6: 一年未更新 asks about
    # every open file, temporary ones included (they lapse if left alone), not the
    # exited or lapsed ones.
    assert set(CaseStatus.values) == {
        "pending", "verified", "long_term", "exited", "temporary", "lapsed"
    }  # fmt: skip
