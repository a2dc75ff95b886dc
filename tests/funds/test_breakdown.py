"""The stored breakdown of 人数 by unit, year, category and 困难类型 follows a case whose
category or type changes on every path that changes it — the case form's save, the case
sheet (written without ``save``) and a re-evaluation (one set-based UPDATE) — and the
summary read from it is the raw one."""

import datetime
from decimal import Decimal

import pytest

from cases.models import Case, Category, HardshipType, SubsistenceLine
from cases.resources import CaseResource
from cases.services import cases_reevaluate
from funds import aggregates
from funds.models import Disbursement, DisbursementPersonUnit, DisbursementUnitYear
from reports.selectors import breakdown_summary, summary
from tests.funds.factories import pay_cash
from tests.sheets.helpers import import_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_case(kunshan_case, kunshan_fund, kunshan_head):
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount=Decimal("500"), acting_user=kunshan_head)
    pay_cash(
        case=kunshan_case,
        fund=kunshan_fund,
        amount=Decimal("300"),
        acting_user=kunshan_head,
        disbursed_on=datetime.date(2008, 1, 20),
    )
    return kunshan_case


def cells_of(category: str) -> set[tuple]:
    return set(
        DisbursementUnitYear.objects.filter(category=category, count__gt=0).values_list(
            "unit_id", "own", "year", "people", "count", "cash_fen"
        )
    )


def test_a_payment_fills_the_person_rows_of_each_year_and_of_all_years(paid_case, units):
    years = set(
        DisbursementPersonUnit.objects.filter(
            case=paid_case, unit=units["苏州市总工会"], own=False
        ).values_list("year", "count", "cash_fen", "category")
    )
    assert years == {
        (aggregates.ALL_YEARS, 2, 80000, Category.HARDSHIP_WORKER),
        (2007, 1, 50000, Category.HARDSHIP_WORKER),
        (2008, 1, 30000, Category.HARDSHIP_WORKER),
    }
    assert aggregates.differences() == []


def test_the_case_sheet_moves_the_persons_rows_to_the_new_category(paid_case, kunshan_clerk):
    before = cells_of(Category.HARDSHIP_WORKER)
    assert before
    result = import_sheet(
        CaseResource,
        kunshan_clerk,
        [{"姓名": paid_case.name, "身份证号": paid_case.id_number,
          "所属工会": paid_case.unit.name, "困难类别": "困难劳模"}],
        ["姓名", "身份证号", "所属工会", "困难类别"],
    )  # fmt: skip
    assert [str(e) for e in result.errors] == []
    assert Case.objects.get(pk=paid_case.pk).category == Category.MODEL_WORKER
    # Every cell the person was counted in moved whole: the same figures, new category.
    assert cells_of(Category.HARDSHIP_WORKER) == set()
    assert cells_of(Category.MODEL_WORKER) == before
    assert aggregates.differences() == []


def test_a_re_evaluation_moves_the_persons_rows_to_the_new_type(paid_case, units, city_auditor):
    SubsistenceLine.objects.create(
        unit=units["昆山市总工会"],
        monthly_amount=Decimal("1000"),
        effective_on=datetime.date(2006, 1, 1),
    )
    # Below the line (and not twice it): 深度困难 once re-evaluated.
    Case.objects.filter(pk=paid_case.pk).update(monthly_income_per_capita=Decimal("600"))
    cases_reevaluate(unit=units["昆山市总工会"], on=datetime.date(2008, 6, 1))
    new_type = Case.objects.get(pk=paid_case.pk).hardship_type
    assert new_type == HardshipType.DEEP
    stored = set(
        DisbursementUnitYear.objects.filter(count__gt=0).values_list("hardship_type", flat=True)
    )
    assert stored == {HardshipType.DEEP}
    assert aggregates.differences() == []
    # The summary by type read from the breakdown is the raw one.
    admin_view = Disbursement.objects.all()
    for by in ("type", "unit,type"):
        stored_summary = breakdown_summary(city_auditor, by=by)
        assert stored_summary == summary(admin_view, by)
        assert [row.hardship_type for row in stored_summary.rows] == ["深度困难"]


def test_the_disbursement_lists_year_strip_offers_the_years_of_aid_in_scope(
    paid_case, wuzhong_case, wuzhong_fund, wuzhong_head, kunshan_clerk, client_for
):
    pay_cash(
        case=wuzhong_case,
        fund=wuzhong_fund,
        amount=Decimal("100"),
        acting_user=wuzhong_head,
        disbursed_on=datetime.date(2011, 1, 20),
    )
    page = client_for(kunshan_clerk).get("/admin/funds/disbursement/")

    # Kunshan paid in 2007 and 2008; Wuzhong's 2011 is not Kunshan's, and no year between
    # is offered without aid in it.
    years = [choice["title"] for choice in page.context["registered_hierarchy"]["choices"]]
    assert years == ["2007", "2008"]
