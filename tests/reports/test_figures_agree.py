"""The bulletin counts a campaign's payments by campaign, the summary by date: with every
payment inside its campaign's period (the rule of funds.services) they agree."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cases.models import Campaign
from funds.models import DisbursementKind
from funds.services import disbursement_post
from reports.selectors import campaign_paragraphs, report_summary
from reports.views import report_queryset
from tests.cases.factories import ActivityFactory, CaseFactory
from tests.funds.factories import FundFactory
from unions.models import User

pytestmark = pytest.mark.django_db


def bulletin_totals(campaign, user):
    paragraphs = campaign_paragraphs(campaign, user)
    money = sum(Decimal(p["total"].replace(",", "")) for p in paragraphs)
    return sum(p["disbursements"] for p in paragraphs), money


def summary_totals(campaign, user):
    params = {"date_from": campaign.starts_on.isoformat(), "date_to": campaign.ends_on.isoformat()}
    result = report_summary(report_queryset(user, params), "unit")
    return result.total.disbursements, result.total.total


def test_a_late_payment_cannot_make_bulletin_and_summary_disagree(units, kunshan_clerk):
    campaign = Campaign.objects.create(
        name="2007年春节送温暖",
        organiser=units["苏州市总工会"],
        starts_on=datetime.date(2007, 1, 10),
        ends_on=datetime.date(2007, 2, 20),
    )
    fund = FundFactory(unit=units["昆山市总工会"], opening=Decimal("50000"))
    case = CaseFactory(unit=units["张浦镇工会"], verified=True)
    activity = ActivityFactory(campaign=campaign, unit=units["昆山市总工会"])
    activity.cases.add(case)

    def pay(on, amount):
        return disbursement_post(
            case=case, disbursed_on=on, kind=DisbursementKind.CONDOLENCE,
            cash_amount=Decimal(amount), paying_unit=fund.unit, fund=fund,
            activity=activity, acting_user=kunshan_clerk,
        )  # fmt: skip

    pay(datetime.date(2007, 1, 10), "800")
    pay(datetime.date(2007, 2, 20), "1200.50")
    with pytest.raises(ValidationError):
        pay(datetime.date(2007, 3, 1), "999")  # the late one the bulletin would count

    assert bulletin_totals(campaign, kunshan_clerk) == summary_totals(campaign, kunshan_clerk)
    assert summary_totals(campaign, kunshan_clerk) == (2, Decimal("2000.50"))


def test_the_demo_loads_and_its_bulletin_agrees_with_the_summary_of_its_dates(db):
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    campaign = Campaign.objects.get(name="2007年春节送温暖")
    auditor = User.objects.get(username="city_auditor")

    count, money = bulletin_totals(campaign, auditor)

    assert count > 0
    assert (count, money) == summary_totals(campaign, auditor)
