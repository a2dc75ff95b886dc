"""The clerk's day in the browser: a payment recorded from the person's page, a head's
冲正 from the payment's page, and a route's 签收表 printed (its PDF holds every household
and the totals)."""

import datetime
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest

from funds.models import Disbursement, DisbursementKind
from funds.services import disbursement_post
from reports.pdf import pdf_unavailable_reason
from tests.cases.factories import ActivityFactory, CampaignFactory, CaseFactory
from tests.funds.factories import FundFactory, pay_cash
from unions.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("PAPERS_SCREENSHOTS")  # a directory, to look at the pages


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_a_clerk_records_a_payment_from_the_case_page(units, login, page):
    fund = FundFactory(unit=units["昆山市总工会"], name="送温暖专项资金", opening="10000")
    case = CaseFactory(name="周阿大", unit=units["张浦镇工会"], verified=True)
    login("kunshan_clerk")

    page.goto(f"{page.base_url}/admin/cases/case/{case.pk}/change/")
    page.click("#record-payment")
    # The person is already chosen.
    assert "周阿大" in page.locator(".field-case .select2-selection").inner_text()
    page.fill("#id_disbursed_on", "2007-02-01")
    page.select_option("#id_kind", value="condolence")
    page.fill("#id_cash_amount", "800")
    page.select_option("#id_fund", value=str(fund.pk))
    page.select_option("#id_paying_unit", label="昆山市总工会")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    assert Disbursement.objects.get().case == case
    page.goto(f"{page.base_url}/admin/cases/case/{case.pk}/change/")
    shot(page, "case-page-payments")
    years = page.locator("#case-payments-years").inner_text()
    assert "2007" in years and "800.00" in years


def test_a_head_reverses_a_payment_from_its_page(units, login, page):
    fund = FundFactory(unit=units["昆山市总工会"], opening="10000")
    case = CaseFactory(name="钱二", unit=units["张浦镇工会"], verified=True)
    payment = pay_cash(
        case=case, fund=fund, amount=Decimal("600"),
        acting_user=User.objects.get(username="kunshan_clerk"),
    )  # fmt: skip
    login("kunshan_head")

    page.goto(f"{page.base_url}/admin/funds/disbursement/{payment.pk}/change/")
    page.click("#reverse-payment")
    assert "钱二" in page.locator("#reversed-payment").inner_text()
    page.fill("#id_reason", "金额录错")
    page.click("input[name=_save]")
    page.wait_for_selector("#payment-reversed")
    shot(page, "payment-reversed")

    assert "金额录错" in page.locator("#payment-reversed").inner_text()
    assert page.locator("#reversing-entry").count() == 1
    assert page.locator("input[name=_addanother]").count() == 0
    payment.refresh_from_db()
    assert payment.is_reversed


def test_printing_the_signoff_sheet_of_a_route(units, login, page):
    clerk = User.objects.get(username="kunshan_clerk")
    campaign = CampaignFactory(name="2007年春节送温暖", organiser=units["苏州市总工会"])
    activity = ActivityFactory(
        campaign=campaign, unit=units["昆山市总工会"], title="春节走访", route_label="第2路",
        leaders="王近", held_on=datetime.date(2007, 2, 8),
    )  # fmt: skip
    fund = FundFactory(unit=units["昆山市总工会"], opening="10000")
    names = ["孙一", "李二", "周三", "吴四"]
    cases = [CaseFactory(name=n, unit=units["张浦镇工会"], verified=True) for n in names]
    activity.cases.set(cases)
    for case in cases:
        disbursement_post(
            case=case, disbursed_on=activity.held_on, kind=DisbursementKind.CONDOLENCE,
            cash_amount=Decimal("500"), paying_unit=fund.unit, fund=fund, activity=activity,
            acting_user=clerk,
        )  # fmt: skip
    login("kunshan_clerk")

    page.goto(f"{page.base_url}/admin/cases/activity/{activity.pk}/change/")
    page.click("#signoff-link")
    shot(page, "signoff-page")
    table = page.locator("#signoff-table").inner_text()
    for name in names:
        assert name in table
    assert "2,000.00" in page.locator("#signoff-total").inner_text()

    if pdf_unavailable_reason() is not None:
        assert page.locator("#signoff-pdf-unavailable").count() == 1
        pytest.skip(f"PDF part skipped: {pdf_unavailable_reason()}")
    with page.expect_download() as download_info:
        page.click("#signoff-pdf")
    pdf = download_info.value
    content = Path(pdf.path()).read_bytes()
    assert content.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    text = "".join(
        "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split()
    )
    for name in names:
        assert name in text
    assert "2,000.00" in text and "合计：4户" in text

    page.click("input[name=_sign_all]")
    page.wait_for_selector(".messagelist .success")
    assert not Disbursement.objects.filter(activity=activity, receipt_signed=False).exists()
