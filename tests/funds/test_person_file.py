"""The case page is the person's file (payments and yearly totals, links), a payment's
page offers 冲正 and says what became of a reversed one, and the campaign period rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funds.models import Disbursement, DisbursementKind, LedgerEntry
from funds.services import disbursement_post, disbursements_post_many
from tests.cases.factories import ActivityFactory, CampaignFactory
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db


def case_page(client, case):
    return client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()


def test_the_case_page_lists_payments_with_totals_per_year(
    kunshan_case, kunshan_fund, kunshan_clerk, client_for
):
    pay_cash(
        case=kunshan_case, fund=kunshan_fund, amount=Decimal("500"), acting_user=kunshan_clerk
    )
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount=Decimal("1200.50"),
             acting_user=kunshan_clerk, disbursed_on=datetime.date(2008, 1, 20))  # fmt: skip

    page = case_page(client_for(kunshan_clerk), kunshan_case)

    assert 'id="case-payments-years"' in page
    assert "<td>2008</td><td>1</td>" in page and "1,200.50" in page
    assert "<td>2007</td><td>1</td>" in page and "500.00" in page
    add = reverse("admin:funds_disbursement_add")
    assert f"{add}?case={kunshan_case.pk}" in page
    assert reverse("admin:reports_case_file", args=[kunshan_case.pk]) in page


def test_the_record_payment_link_preselects_the_person(kunshan_case, kunshan_clerk, client_for):
    response = client_for(kunshan_clerk).get(
        reverse("admin:funds_disbursement_add"), {"case": kunshan_case.pk}
    )

    assert response.context["adminform"].form.initial["case"] == str(kunshan_case.pk)
    assert f'<option value="{kunshan_case.pk}" selected>' in response.content.decode()


def test_an_auditor_sees_payments_but_no_record_link(
    kunshan_case, kunshan_fund, kunshan_clerk, city_auditor, client_for
):
    pay_cash(
        case=kunshan_case, fund=kunshan_fund, amount=Decimal("500"), acting_user=kunshan_clerk
    )

    page = case_page(client_for(city_auditor), kunshan_case)

    assert 'id="case-payments-list"' in page
    assert 'id="record-payment"' not in page


# --- 冲正 from the payment ---------------------------------------------------------------


@pytest.fixture
def payment(kunshan_case, kunshan_fund, kunshan_clerk):
    return pay_cash(
        case=kunshan_case, fund=kunshan_fund, amount=Decimal("800"), acting_user=kunshan_clerk
    )


def change_url(disbursement):
    return reverse("admin:funds_disbursement_change", args=[disbursement.pk])


def reverse_url(disbursement):
    return reverse("admin:funds_disbursement_reverse", args=[disbursement.pk])


def test_a_head_reverses_a_payment_from_its_page(payment, kunshan_head, kunshan_fund, client_for):
    client = client_for(kunshan_head)
    assert reverse_url(payment) in client.get(change_url(payment)).content.decode()
    form = client.get(reverse_url(payment)).content.decode()
    assert "张浦困难职工" in form and "800.00" in form  # whose payment it is

    response = client.post(reverse_url(payment), {"reason": "重复录入"}, follow=True)

    payment.refresh_from_db()
    kunshan_fund.refresh_from_db()
    assert payment.is_reversed and kunshan_fund.balance == Decimal("10000.00")
    page = response.content.decode()
    reversal = LedgerEntry.objects.get(reverses=payment.ledger_entry)
    assert 'id="payment-reversed"' in page and "重复录入" in page
    assert reverse("admin:funds_ledgerentry_change", args=[reversal.pk]) in page
    assert "王近" in page  # who reversed it
    assert "_addanother" not in page and reverse_url(payment) not in page


def test_a_reversal_needs_a_reason(payment, kunshan_head, client_for):
    response = client_for(kunshan_head).post(reverse_url(payment), {"reason": ""})

    assert response.status_code == 200 and response.context["form"].errors["reason"]
    payment.refresh_from_db()
    assert not payment.is_reversed


def test_a_clerk_is_not_offered_the_reversal(payment, kunshan_clerk, client_for):
    client = client_for(kunshan_clerk)

    assert reverse_url(payment) not in client.get(change_url(payment)).content.decode()
    assert client.post(reverse_url(payment), {"reason": "x"}).status_code == 403


def test_another_districts_payment_cannot_be_reversed(payment, wuzhong_head, client_for):
    response = client_for(wuzhong_head).post(reverse_url(payment), {"reason": "x"})

    assert response.status_code == 302 and response.url == reverse("admin:index")
    payment.refresh_from_db()
    assert not payment.is_reversed


# --- the period rule -----------------------------------------------------------------------


@pytest.fixture
def campaign(units):
    return CampaignFactory(
        name="2007年春节送温暖",
        organiser=units["苏州市总工会"],
        starts_on=datetime.date(2007, 1, 1),
        ends_on=datetime.date(2007, 2, 28),
    )


def post(case, fund, user, campaign=None, activity=None, on=datetime.date(2007, 3, 5)):
    return disbursement_post(
        case=case,
        disbursed_on=on,
        kind=DisbursementKind.CONDOLENCE,
        cash_amount=Decimal("500"),
        paying_unit=fund.unit,
        fund=fund,
        campaign=campaign,
        activity=activity,
        acting_user=user,
    )


def test_a_payment_outside_its_campaigns_period_is_refused(
    campaign, kunshan_case, kunshan_fund, kunshan_clerk
):
    with pytest.raises(ValidationError) as refused:
        post(kunshan_case, kunshan_fund, kunshan_clerk, campaign=campaign)

    message = refused.value.message_dict["disbursed_on"][0]
    assert "2007-03-05" in message and "2007年春节送温暖" in message
    assert "2007-01-01" in message and "2007-02-28" in message
    assert "活动期间" in message and "延长" in message
    assert not Disbursement.objects.exists()
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")


def test_a_visits_payment_outside_the_period_is_refused(
    campaign, units, kunshan_case, kunshan_fund, kunshan_clerk
):
    activity = ActivityFactory(campaign=campaign, unit=units["昆山市总工会"])

    with pytest.raises(ValidationError, match="2007-03-05"):
        post(kunshan_case, kunshan_fund, kunshan_clerk, activity=activity)
    campaign.ends_on = datetime.date(2007, 2, 1)
    campaign.save()
    activity.held_on = datetime.date(2007, 2, 10)  # a route moved after the period was cut
    activity.save()
    with pytest.raises(ValidationError, match="2007-02-10"):
        disbursements_post_many(
            rows=[(kunshan_case, Decimal("100"), False)],
            kind=DisbursementKind.CONDOLENCE,
            fund=kunshan_fund,
            activity=activity,
            acting_user=kunshan_clerk,
        )


def test_a_widened_period_accepts_the_payment(campaign, kunshan_case, kunshan_fund, kunshan_clerk):
    campaign.ends_on = datetime.date(2007, 3, 31)
    campaign.save()

    payment = post(kunshan_case, kunshan_fund, kunshan_clerk, campaign=campaign)

    assert payment.campaign == campaign


def test_the_admin_form_shows_the_period_refusal(
    campaign, kunshan_case, kunshan_fund, kunshan_clerk, client_for
):
    response = client_for(kunshan_clerk).post(
        reverse("admin:funds_disbursement_add"),
        {
            "case": kunshan_case.pk,
            "disbursed_on": "2007-03-05",
            "kind": DisbursementKind.CONDOLENCE,
            "cash_amount": "500",
            "fund": kunshan_fund.pk,
            "campaign": campaign.pk,
            "paying_unit": kunshan_fund.unit_id,
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["disbursed_on"]
    assert "2007-02-28" in errors[0]
    assert not Disbursement.objects.exists()
