"""昆山's head records a household's incomes and rigid expenses on the case page and sees
深度困难 computed against the district's 低保 line (FILING.md)."""

import datetime
from decimal import Decimal

import pytest

from cases.models import Case, HardshipType, SubsistenceLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_head_records_incomes_and_expenses_and_sees_deep_hardship(
    units, kunshan_case, login, page
):
    SubsistenceLine.objects.create(
        unit=units["昆山市总工会"],
        monthly_amount=Decimal("1095"),
        effective_on=datetime.date(2024, 7, 1),
    )
    login("kunshan_head")
    page.goto(f"{page.base_url}/admin/cases/case/{kunshan_case.pk}/change/")
    page.fill("#id_household_size", "3")
    page.fill("#id_own_annual_income", "12000")
    page.click("#members-group .add-row a")
    page.select_option("#id_members-0-relation", value="spouse")
    page.fill("#id_members-0-name", "配偶甲")
    page.fill("#id_members-0-annual_income", "6000")
    page.click("#rigid_expenses-group .add-row a")
    page.select_option("#id_rigid_expenses-0-kind", value="medical")
    page.fill("#id_rigid_expenses-0-annual_amount", "3600")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    # (12,000 + 6,000 − 3,600) ÷ 12 ÷ 3 = 400.00 a month, under the line of 1,095.
    kunshan_case.refresh_from_db()
    assert kunshan_case.monthly_income_per_capita == Decimal("400.00")
    assert kunshan_case.hardship_type == HardshipType.DEEP
    body = page.inner_text("#content")
    assert "深度困难" in body
    assert "400.00" in body and "1,095.00" in body
    assert Case.objects.get(pk=kunshan_case.pk).rigid_expenses.count() == 1
