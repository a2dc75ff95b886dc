"""Payments under an agreement: disbursements from a fund or straight from the sponsor,
and what each beneficiary was promised against what they were paid."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from funds.models import Disbursement, LedgerEntry
from funds.services import entry_reverse
from pairings.models import AgreementPayment, AgreementStatus, Period
from pairings.selectors import agreements_behind
from pairings.services import agreement_payment_record, agreement_standing
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory

D = datetime.date
CHANGELIST = "/admin/pairings/agreement/"
MARCH_1 = D(2007, 3, 1)


@pytest.fixture
def pairing(units, bank):
    """昆山 with the bank: 100元 a month each for two people, from 2007-01-01."""
    agreement = AgreementFactory(
        number="KS-PAY-01",
        unit=units["昆山市总工会"],
        sponsor=bank,
        amount=Decimal("100"),
        period=Period.MONTHLY,
        start=D(2007, 1, 1),
        end=D(2030, 12, 31),
    )
    first = BeneficiaryFactory(agreement=agreement, case__name="甲受助人")
    second = BeneficiaryFactory(agreement=agreement, case__name="乙受助人")
    return agreement, first, second


def record(beneficiary, amount, user, *, on=MARCH_1, fund=None):
    return agreement_payment_record(
        beneficiary=beneficiary, paid_on=on, amount=Decimal(amount), fund=fund, acting_user=user
    )


def test_a_payment_from_a_fund_is_a_disbursement_out_of_that_fund(
    pairing, kunshan_clerk, kunshan_pairing_fund
):
    agreement, first, _second = pairing

    payment = record(first, "300", kunshan_clerk, fund=kunshan_pairing_fund)

    disbursement = payment.disbursement
    assert disbursement.case == first.case
    assert disbursement.fund == kunshan_pairing_fund
    assert disbursement.cash_amount == Decimal("300.00")
    assert disbursement.paying_unit == agreement.unit
    assert disbursement.ledger_entry.amount == Decimal("-300.00")
    assert payment.recorded_by == kunshan_clerk
    kunshan_pairing_fund.refresh_from_db()
    assert kunshan_pairing_fund.balance == Decimal("700.00")


def test_a_payment_made_directly_by_the_sponsor_leaves_every_fund_alone(
    pairing, kunshan_clerk, kunshan_pairing_fund
):
    _agreement, first, _second = pairing
    entries_before = LedgerEntry.objects.count()

    payment = record(first, "300", kunshan_clerk)

    assert payment.disbursement.fund is None
    assert payment.disbursement.paid_directly_by == "中国农业银行苏州分行"
    assert LedgerEntry.objects.count() == entries_before
    kunshan_pairing_fund.refresh_from_db()
    assert kunshan_pairing_fund.balance == Decimal("1000.00")


def test_standing_shows_promised_against_paid_for_each_beneficiary(pairing, kunshan_clerk):
    agreement, first, second = pairing
    record(first, "300", kunshan_clerk, on=D(2007, 3, 1))
    record(second, "100", kunshan_clerk, on=D(2007, 1, 5))
    record(second, "100", kunshan_clerk, on=D(2007, 4, 5))  # after the day asked about

    standing = {
        row.beneficiary.case.name: row for row in agreement_standing(agreement, D(2007, 3, 15))
    }

    assert standing["甲受助人"].promised == Decimal("300.00")
    assert standing["甲受助人"].paid == Decimal("300.00")
    assert standing["甲受助人"].behind == Decimal("0.00")
    assert standing["乙受助人"].paid == Decimal("100.00")
    assert standing["乙受助人"].behind == Decimal("200.00")


def test_an_agreement_is_behind_when_one_beneficiary_is_paid_less_than_promised(
    pairing, kunshan_clerk
):
    agreement, first, second = pairing
    record(first, "300", kunshan_clerk)
    record(second, "100", kunshan_clerk)

    behind = dict(agreements_behind(kunshan_clerk, on=D(2007, 3, 15)))

    assert behind == {agreement: Decimal("200.00")}


def test_paid_up_drafts_and_terminated_agreements_are_not_behind(units, pairing, kunshan_clerk):
    agreement, first, second = pairing
    record(first, "300", kunshan_clerk)
    record(second, "300", kunshan_clerk)
    for status in (AgreementStatus.DRAFT, AgreementStatus.TERMINATED):
        other = AgreementFactory(
            unit=units["昆山市总工会"], status=status, termination_reason="已终止"
        )
        BeneficiaryFactory(agreement=other)

    assert agreements_behind(kunshan_clerk, on=D(2007, 3, 15)) == []


def test_a_reversed_disbursement_does_not_count_as_paid(
    pairing, kunshan_clerk, kunshan_head, kunshan_pairing_fund, client_for
):
    agreement, first, second = pairing
    payment = record(first, "300", kunshan_clerk, fund=kunshan_pairing_fund)
    record(second, "300", kunshan_clerk)

    entry_reverse(
        entry=payment.disbursement.ledger_entry, reason="误发，已退回", acting_user=kunshan_head
    )

    listed = client_for(kunshan_clerk).get(CHANGELIST).context["cl"]
    standing = {row.beneficiary: row for row in agreement_standing(agreement, D(2007, 3, 15))}
    assert listed.model_admin.paid_to_date(listed.result_list[0]) == "300.00"
    assert standing[first].paid == Decimal("0.00")
    assert standing[second].paid == Decimal("300.00")
    assert dict(agreements_behind(kunshan_clerk, on=D(2007, 3, 15))) == {
        agreement: Decimal("300.00")
    }


@pytest.mark.parametrize("paid_on", [D(2006, 12, 31), D(2031, 1, 1)])
def test_a_payment_outside_the_agreements_period_is_refused(pairing, kunshan_clerk, paid_on):
    _agreement, first, _second = pairing

    with pytest.raises(ValidationError, match="支付日期不在协议期限内。"):
        record(first, "100", kunshan_clerk, on=paid_on)

    assert not AgreementPayment.objects.exists()
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("status", [AgreementStatus.DRAFT, AgreementStatus.TERMINATED])
def test_no_payment_is_recorded_under_a_draft_or_a_terminated_agreement(
    pairing, kunshan_clerk, status
):
    agreement, first, _second = pairing
    agreement.status, agreement.termination_reason = status, "资助方撤回"
    agreement.save()

    with pytest.raises(ValidationError, match="只能在生效的协议下记录支付。"):
        record(first, "100", kunshan_clerk)

    assert not AgreementPayment.objects.exists()


def test_a_late_entry_under_an_agreement_past_its_end_is_accepted_for_its_period(
    units, kunshan_clerk
):
    agreement = AgreementFactory(
        unit=units["昆山市总工会"], start=D(2007, 1, 1), end=D(2008, 12, 31)
    )
    beneficiary = BeneficiaryFactory(agreement=agreement)
    assert agreement.effective_status == AgreementStatus.EXPIRED

    payment = record(beneficiary, "100", kunshan_clerk, on=D(2008, 12, 1))

    assert payment.disbursement.disbursed_on == D(2008, 12, 1)


# --- the admin's "record a payment" page ----------------------------------------------


def payment_url(agreement):
    return f"{CHANGELIST}{agreement.pk}/payment/"


def test_a_clerk_records_a_payment_on_the_agreements_page(
    pairing, kunshan_clerk, kunshan_pairing_fund, client_for
):
    agreement, first, _second = pairing
    client = client_for(kunshan_clerk)

    change_page = client.get(f"{CHANGELIST}{agreement.pk}/change/")
    response = client.post(
        payment_url(agreement),
        {
            "beneficiary": first.pk,
            "paid_on": "2007-03-01",
            "amount": "100.00",
            "fund": kunshan_pairing_fund.pk,
            "receipt_signed": "on",
        },
    )

    assert payment_url(agreement) in change_page.content.decode()
    assert response.status_code == 302
    assert response.url == f"{CHANGELIST}{agreement.pk}/change/"
    payment = AgreementPayment.objects.get()
    assert payment.beneficiary == first
    assert payment.disbursement.receipt_signed is True
    assert payment.disbursement.fund == kunshan_pairing_fund
    assert payment.recorded_by == kunshan_clerk


def test_an_overdraw_comes_back_on_the_form_and_records_nothing(
    pairing, kunshan_clerk, kunshan_pairing_fund, client_for
):
    agreement, first, _second = pairing

    response = client_for(kunshan_clerk).post(
        payment_url(agreement),
        {
            "beneficiary": first.pk,
            "paid_on": "2007-03-01",
            "amount": "5000",
            "fund": kunshan_pairing_fund.pk,
        },
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "1,000.00" in errors and "5,000.00" in errors
    assert "1,000.00" in response.content.decode()
    assert not AgreementPayment.objects.exists()
    kunshan_pairing_fund.refresh_from_db()
    assert kunshan_pairing_fund.balance == Decimal("1000.00")


def test_a_date_outside_the_period_comes_back_on_the_form(pairing, kunshan_clerk, client_for):
    agreement, first, _second = pairing

    response = client_for(kunshan_clerk).post(
        payment_url(agreement), {"beneficiary": first.pk, "paid_on": "2006-12-01", "amount": "100"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AgreementPayment.objects.exists()


def test_the_payment_form_offers_only_funds_the_signing_unit_may_pay_from(
    pairing, units, kunshan_clerk, kunshan_pairing_fund, client_for
):
    from tests.funds.factories import FundFactory

    town_fund = FundFactory(unit=units["张浦镇工会"], name="张浦送温暖专项资金")
    agreement, first, _second = pairing

    response = client_for(kunshan_clerk).get(payment_url(agreement))
    refused = client_for(kunshan_clerk).post(
        payment_url(agreement),
        {"beneficiary": first.pk, "paid_on": "2007-03-01", "amount": "100", "fund": town_fund.pk},
    )

    assert list(response.context["form"].fields["fund"].queryset) == [kunshan_pairing_fund]
    assert "fund" in refused.context["form"].errors


def test_the_auditor_cannot_record_a_payment(pairing, city_auditor, client_for):
    agreement, first, _second = pairing
    client = client_for(city_auditor)

    change_page = client.get(f"{CHANGELIST}{agreement.pk}/change/")
    response = client.post(
        payment_url(agreement), {"beneficiary": first.pk, "paid_on": "2007-03-01", "amount": "1"}
    )

    assert change_page.status_code == 200
    assert payment_url(agreement) not in change_page.content.decode()
    assert response.status_code == 403
    assert not AgreementPayment.objects.exists()


# --- what the lists and pages show ------------------------------------------------------


def test_the_change_page_shows_each_beneficiarys_standing(pairing, kunshan_clerk, client_for):
    agreement, first, _second = pairing
    record(first, "300", kunshan_clerk)
    promised = agreement.promised_to(timezone.localdate())

    html = client_for(kunshan_clerk).get(f"{CHANGELIST}{agreement.pk}/change/").content.decode()

    table = html[html.index('id="agreement-standing"') :]
    table = table[: table.index("</table>")]
    assert "甲受助人" in table and "乙受助人" in table
    assert f"{promised:,.2f}" in table
    assert f"{promised - Decimal('300'):,.2f}" in table
    assert f"{2 * promised - Decimal('300'):,.2f}" in table  # the total shortfall


def test_the_list_shows_promised_paid_and_behind_per_agreement(
    units, pairing, kunshan_clerk, client_for
):
    agreement, first, second = pairing
    record(first, "300", kunshan_clerk)
    record(second, "100", kunshan_clerk)
    today = timezone.localdate()
    paid_up = AgreementFactory(
        number="KS-PAIDUP", unit=units["昆山市总工会"], period=Period.ONCE, start=D(2007, 1, 1)
    )
    record(BeneficiaryFactory(agreement=paid_up), "100", kunshan_clerk, on=D(2007, 1, 1))

    response = client_for(kunshan_clerk).get(CHANGELIST)

    changelist = response.context["cl"]
    admin = changelist.model_admin
    rows = {a.number: a for a in changelist.result_list}
    row = rows["KS-PAY-01"]
    assert admin.promised_to_date(row) == f"{2 * agreement.promised_to(today):,.2f}"
    assert admin.paid_to_date(row) == "400.00"
    assert admin.is_behind(row) is True
    assert admin.paid_to_date(rows["KS-PAIDUP"]) == "100.00"
    assert admin.is_behind(rows["KS-PAIDUP"]) is False


def test_one_beneficiary_overpaid_does_not_make_up_for_another_unpaid(
    units, kunshan_clerk, client_for
):
    once = AgreementFactory(
        number="KS-ONCE", unit=units["昆山市总工会"], period=Period.ONCE, amount=Decimal("100")
    )
    overpaid = BeneficiaryFactory(agreement=once)
    BeneficiaryFactory(agreement=once)
    record(overpaid, "200", kunshan_clerk, on=once.start)

    response = client_for(kunshan_clerk).get(CHANGELIST)
    behind_list = client_for(kunshan_clerk).get(CHANGELIST, {"behind": "yes"})

    row = response.context["cl"].result_list[0]
    assert response.context["cl"].model_admin.paid_to_date(row) == "200.00"
    assert response.context["cl"].model_admin.promised_to_date(row) == "200.00"
    assert response.context["cl"].model_admin.is_behind(row) is True
    assert [a.number for a in behind_list.context["cl"].result_list] == ["KS-ONCE"]
    assert dict(agreements_behind(kunshan_clerk)) == {once: Decimal("100.00")}


def test_the_behind_filter_lists_the_agreements_the_selector_finds(
    units, pairing, kunshan_clerk, client_for
):
    agreement, first, second = pairing
    paid_up = AgreementFactory(
        number="KS-PAIDUP", unit=units["昆山市总工会"], period=Period.ONCE, start=D(2007, 1, 1)
    )
    record(BeneficiaryFactory(agreement=paid_up), "100", kunshan_clerk, on=D(2007, 1, 1))

    response = client_for(kunshan_clerk).get(CHANGELIST, {"behind": "yes"})

    assert [a.number for a in response.context["cl"].result_list] == ["KS-PAY-01"]


def test_the_payments_list_names_the_source_of_each_payment(
    pairing, kunshan_clerk, kunshan_pairing_fund, client_for
):
    _agreement, first, second = pairing
    record(first, "300", kunshan_clerk, fund=kunshan_pairing_fund)
    record(second, "100", kunshan_clerk)

    response = client_for(kunshan_clerk).get("/admin/pairings/agreementpayment/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "昆山结对助学金" in html
    assert "中国农业银行苏州分行" in html
    assert "甲受助人" in html and "乙受助人" in html
