"""Household economics (FILING.md): (annual disposable income of all members − rigid
expenses) ÷ 12 ÷ people living together, itemised, shown with its terms."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from cases import services
from cases.filing import household_figure
from cases.models import Case, ExpenseKind, RigidExpense
from tests.cases.factories import CaseFactory, HouseholdMemberFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_the_formula_divides_income_less_expenses_by_twelve_and_people():
    figure = household_figure(
        incomes=[D("30000"), D("12000")], expenses=[D("6000"), D("3600")], people=3
    )

    assert figure.annual_income == D("42000")
    assert figure.rigid_expenses == D("9600")
    assert figure.monthly_per_capita == D("900.00")  # 32,400 ÷ 12 ÷ 3


def test_the_figure_is_rounded_to_the_fen_and_never_negative():
    assert household_figure(incomes=[D("10000")], expenses=[], people=3).monthly_per_capita == (
        D("277.78")
    )
    assert household_figure(
        incomes=[D("1000")], expenses=[D("5000")], people=2
    ).monthly_per_capita == (D("0.00"))
    assert household_figure(incomes=[D("1000")], expenses=[], people=None) is None


def test_recompute_stores_the_figure_from_members_and_expenses(units, kunshan_clerk):
    case = CaseFactory(unit=units["张浦镇工会"], household_size=3, own_annual_income=D("24000"))
    HouseholdMemberFactory(case=case, annual_income=D("12000"))
    HouseholdMemberFactory(case=case, annual_income=None)
    RigidExpense.objects.create(case=case, kind=ExpenseKind.MEDICAL, annual_amount=D("7200"))

    case = services.case_evaluate(case=case, acting_user=kunshan_clerk)

    assert case.income_itemised
    assert (case.annual_household_income, case.annual_rigid_expenses) == (D("36000"), D("7200"))
    assert case.monthly_income_per_capita == D("800.00")
    assert case.history.first().history_user == kunshan_clerk


def test_a_household_not_itemised_keeps_its_typed_figure(units, kunshan_clerk):
    case = CaseFactory(unit=units["张浦镇工会"], monthly_income_per_capita=D("450"))

    case = services.case_evaluate(case=case, acting_user=kunshan_clerk)

    assert not case.income_itemised
    assert case.monthly_income_per_capita == D("450.00")


def test_the_data_migration_treats_todays_figure_as_the_result(units):
    case = CaseFactory(
        unit=units["张浦镇工会"], household_size=3, monthly_income_per_capita=D("500")
    )
    migration = importlib.import_module("cases.migrations.0007_household_economics")

    migration.figure_as_result(apps, None)

    case = Case.objects.get(pk=case.pk)
    assert case.annual_household_income == D("18000.00")
    assert case.annual_rigid_expenses == D("0.00")
    assert case.monthly_income_per_capita == D("500.00")
    assert not case.income_itemised


def test_head_records_incomes_and_expenses_and_sees_the_terms(
    units, kunshan_head, client_for, kunshan_pending_case
):
    client = client_for(kunshan_head)
    url = f"/admin/cases/case/{kunshan_pending_case.pk}/change/"
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "name": kunshan_pending_case.name,
            "unit": kunshan_pending_case.unit_id,
            "category": kunshan_pending_case.category,
            "registered_on": "2006-12-01",
            "household_size": "2",
            "own_annual_income": "18000",
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-0-relation": "spouse",
            "members-0-name": "配偶",
            "members-0-annual_income": "6000",
            "rigid_expenses-TOTAL_FORMS": "1",
            "rigid_expenses-INITIAL_FORMS": "0",
            "rigid_expenses-0-kind": "schooling",
            "rigid_expenses-0-annual_amount": "4800",
        }
    )
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
        data.setdefault(f"{prefix}-INITIAL_FORMS", "0")

    response = client.post(url, data)

    assert response.status_code == 302, [
        f.errors for f in response.context["inline_admin_formsets"]
    ]
    case = Case.objects.get(pk=kunshan_pending_case.pk)
    assert case.monthly_income_per_capita == D("800.00")  # (24,000 − 4,800) ÷ 12 ÷ 2
    html = client.get(url).content.decode()
    assert "（年收入 24,000.00 − 刚性支出 4,800.00）÷ 12 ÷ 2 人 = 800.00 元/人·月" in html
