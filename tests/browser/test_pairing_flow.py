"""A 昆山 clerk signs a pairing agreement for two people, puts it into effect and records
a payment the sponsor made directly."""

import re
from decimal import Decimal

import pytest

from pairings.models import Agreement, AgreementPayment, AgreementStatus, SponsorKind
from tests.cases.factories import CaseFactory
from tests.pairings.factories import SponsorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick_case(page, row: int, name: str) -> None:
    """Choose a case in the beneficiary row's autocomplete (select2) box."""
    page.click(f"#beneficiaries-{row} .field-case .select2-selection")
    page.fill(".select2-container--open .select2-search__field", name)
    page.click(f".select2-results__option:has-text('{name}')")


def test_a_clerk_creates_an_agreement_with_two_beneficiaries_and_records_a_payment(
    units, login, page
):
    SponsorFactory(name="苏州海关", kind=SponsorKind.ORGANISATION, unit=units["金阊区总工会"])
    for name in ("周阿大", "钱小妹"):
        CaseFactory(name=name, unit=units["张浦镇工会"], verified=True)
    login("kunshan_clerk")

    # Sign: the terms and two beneficiaries.
    page.goto(f"{page.base_url}/admin/pairings/agreement/add/")
    page.fill("#id_number", "KS-2007-JD01")
    page.select_option("#id_sponsor", label="苏州海关")
    page.select_option("#id_kind", value="hardship")
    page.fill("#id_amount", "200")
    page.select_option("#id_period", value="monthly")
    page.fill("#id_start", "2007-01-01")
    page.fill("#id_end", "2009-12-31")
    pick_case(page, 0, "周阿大")
    page.click("#beneficiaries-group .add-row a")
    pick_case(page, 1, "钱小妹")
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")

    agreement = Agreement.objects.get(number="KS-2007-JD01")
    assert agreement.unit == units["昆山市总工会"]
    assert agreement.status == AgreementStatus.DRAFT
    assert sorted(b.case.name for b in agreement.beneficiaries.all()) == ["周阿大", "钱小妹"]

    # Put it into effect with the list's action.
    page.check(f"input[name=_selected_action][value='{agreement.pk}']")
    page.select_option("select[name=action]", value="activate_agreements")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE

    # Record a payment the sponsor made directly to 钱小妹.
    page.goto(f"{page.base_url}/admin/pairings/agreement/{agreement.pk}/change/")
    page.click("a.record-payment-link")
    page.select_option("#id_beneficiary", label="钱小妹")
    page.fill("#id_paid_on", "2007-03-01")
    page.fill("#id_amount", "600")
    page.check("#id_receipt_signed")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")

    payment = AgreementPayment.objects.get()
    assert payment.beneficiary.case.name == "钱小妹"
    assert payment.disbursement.cash_amount == Decimal("600.00")
    assert payment.disbursement.paid_directly_by == "苏州海关"
    assert payment.disbursement.receipt_signed is True
    assert re.search(r"/admin/pairings/agreement/\d+/change/$", page.url)
    standing = page.locator("#agreement-standing").inner_text()
    assert "钱小妹" in standing and "600.00" in standing
