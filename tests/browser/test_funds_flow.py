"""A 昆山 clerk posts a disbursement and sees the fund's balance drop; an overdraw is
refused on the form with the balance in the message."""

import os
from decimal import Decimal

import pytest

from funds.models import Disbursement, Fund
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("FUNDS_SCREENSHOTS")  # a directory, to look at the pages


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def post_disbursement(page, *, case: str, fund: str, amount: str) -> None:
    page.goto(f"{page.base_url}/admin/funds/disbursement/")
    page.click(".object-tools a.addlink")
    shot(page, "add-form")
    page.click(".field-case .select2-selection")
    page.fill(".select2-container--open .select2-search__field", case)
    page.click(f".select2-results__option:has-text('{case}')")
    page.fill("#id_disbursed_on", "2007-02-01")
    page.select_option("#id_kind", value="condolence")
    page.fill("#id_cash_amount", amount)
    page.select_option("#id_fund", value=fund)
    page.select_option("#id_paying_unit", label="昆山市总工会")
    page.check("#id_receipt_signed")
    page.click("input[name=_save]")


def test_a_clerk_pays_from_a_fund_and_an_overdraw_is_refused(units, login, page):
    fund = FundFactory(unit=units["昆山市总工会"], name="送温暖专项资金", opening="10000")
    label = str(fund.pk)  # the choice's text carries the balance, which moves
    CaseFactory(name="周阿大", unit=units["张浦镇工会"], verified=True)
    login("kunshan_clerk")

    page.goto(f"{page.base_url}/admin/funds/fund/")
    assert "10,000.00" in page.locator("#result_list").inner_text()
    page.goto(f"{page.base_url}/admin/funds/disbursement/add/")
    assert "余额 10,000.00 元" in page.locator("#id_fund").inner_text()  # issue 14 part 12

    post_disbursement(page, case="周阿大", fund=label, amount="800")
    page.wait_for_selector(".messagelist .success")
    shot(page, "disbursement-list")
    assert "800.00" in page.locator("#disbursement-totals").inner_text()
    page.goto(f"{page.base_url}/admin/funds/fund/")
    assert "9,200.00" in page.locator("#result_list").inner_text()

    post_disbursement(page, case="周阿大", fund=label, amount="20000")
    page.wait_for_selector(".errornote")
    shot(page, "overdraw")
    errors = page.locator(".errorlist.nonfield").inner_text()
    assert "余额不足" in errors and "9,200.00" in errors and "20,000.00" in errors

    assert Disbursement.objects.count() == 1
    assert Fund.objects.get(pk=fund.pk).balance == Decimal("9200.00")
