"""`loaddemo` adds the bulletin's pairing agreements, once."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from pairings.models import Agreement, AgreementPayment, AgreementStatus, Beneficiary, Sponsor
from pairings.selectors import agreements_behind
from unions.models import User


@pytest.fixture
def demo(db):
    call_command("loaddemo", "--password", "pw", stdout=StringIO())


def snapshot():
    return (
        sorted(Agreement.objects.values_list("number", "status", "start", "end")),
        Beneficiary.objects.count(),
        AgreementPayment.objects.count(),
        Sponsor.objects.count(),
    )


def test_the_bulletins_agreements_with_their_people(demo):
    bank = Agreement.objects.get(sponsor__name="中国农业银行苏州分行")
    customs = Agreement.objects.get(sponsor__name="苏州海关")
    students = Agreement.objects.get(kind="student")

    workers = Beneficiary.objects.filter(agreement__in=[bank, customs])
    assert bank.unit.name == customs.unit.name == "金阊区总工会"
    assert workers.count() == 7
    assert {b.case.category for b in workers} == {"extreme_hardship"}
    assert students.unit.name == "昆山市总工会"
    assert students.sponsor.name == "市总机关全体工作人员"
    pupils = students.beneficiaries.select_related("student")
    assert len(pupils) == 6
    assert {b.student.school for b in pupils} == {"昆山中学", "震川中学"}
    # The pupils' 4,800元 are funds.demo's payments, linked to the agreement, not paid twice.
    payments = AgreementPayment.objects.filter(beneficiary__agreement=students)
    assert sum(p.disbursement.cash_amount for p in payments) == Decimal("4800.00")
    assert {p.disbursement.fund.name for p in payments} == {"结对助学金"}
    assert all(p.disbursement.activity is not None for p in payments)


def test_one_agreement_is_behind_and_one_expires_within_30_days(demo):
    city_auditor = User.objects.get(username="city_auditor")

    behind = [agreement.sponsor.name for agreement, _amount in agreements_behind(city_auditor)]
    expiring = Agreement.objects.expiring_within(30)

    assert behind == ["苏州海关"]
    assert expiring.count() == 1
    assert expiring.get().status == AgreementStatus.ACTIVE
    # ... and is paid up to its last day: twelve monthly instalments, all paid.
    on_last_day = agreements_behind(city_auditor, on=expiring.get().end)
    assert [agreement.sponsor.name for agreement, _amount in on_last_day] == ["苏州海关"]
    # Customs paid 2007 through the district's foundation, and nothing since.
    customs = AgreementPayment.objects.filter(beneficiary__agreement__sponsor__name="苏州海关")
    assert customs.count() == 12
    assert {p.disbursement.fund.name for p in customs} == {"扶贫帮困基金会"}
    assert {p.disbursement.disbursed_on.year for p in customs} == {2007}
    # The Spring Festival period's figures stay the bulletin's: only the pupils' are in it.
    in_campaign = AgreementPayment.objects.filter(
        disbursement__disbursed_on__range=("2007-01-01", "2007-02-28")
    ).exclude(beneficiary__agreement__kind="student")
    assert not in_campaign.exists()


def test_loading_the_demo_again_changes_nothing(demo):
    first = snapshot()

    call_command("loaddemo", "--password", "pw", stdout=StringIO())

    assert snapshot() == first
