"""Each city-audit rule finds what it should, and nothing on a clean record."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import shared_ids
from cases.models import HouseholdMember
from cases.services import review_record
from funds.models import Fund
from pairings.models import Agreement, AgreementStatus, Beneficiary, Sponsor
from reports import audit
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory, pay_cash

TODAY = timezone.localdate()


def found(code, user):
    shared_ids.check_now()  # the duplicate-ID candidates are checked at commit (PostgreSQL)
    return audit.findings(audit.RULES_BY_CODE[code], user)


@pytest.fixture
def fund(units):
    return FundFactory(unit=units["昆山市总工会"], opening=Decimal("100000"))


@pytest.fixture
def verified(units):
    return CaseFactory(
        unit=units["昆山市总工会"],
        verified=True,
        verified_on=datetime.date(2006, 1, 1),
    )


def test_duplicates_finds_a_household_member_on_file_as_a_case(units, city_auditor, verified):
    other = CaseFactory(unit=units["吴中区总工会"], name="另一户")
    HouseholdMember.objects.create(case=other, relation="spouse", name="配偶",
                                   id_number=verified.id_number)  # fmt: skip

    rows = found("duplicates", city_auditor)

    assert [f.district for f in rows] == ["吴中区总工会"]
    assert audit.counts(audit.RULES_BY_CODE["duplicates"], city_auditor)


@pytest.mark.parametrize("listed", [5_000, 0], ids=["candidates listed", "as a subquery"])
def test_duplicates_finds_the_same_member_in_two_households(
    units, city_auditor, listed, monkeypatch
):
    monkeypatch.setattr(audit, "LISTED_CANDIDATES", listed)
    import random

    from cases.idnumbers import random_id_number

    shared = random_id_number(random.Random(5))
    for unit in ("昆山市总工会", "吴中区总工会"):
        case = CaseFactory(unit=units[unit])
        HouseholdMember.objects.create(case=case, relation="child", name="孩子", id_number=shared)

    assert len(found("duplicates", city_auditor)) == 2


def test_duplicates_is_quiet_for_distinct_people(units, city_auditor, verified):
    HouseholdMember.objects.create(case=verified, relation="child", name="孩子")

    assert found("duplicates", city_auditor) == []


def test_inactive_flags_aid_confirmed_for_a_pending_case(units, city_auditor, kunshan_head, fund):
    pending = CaseFactory(unit=units["昆山市总工会"])
    pay_cash(case=pending, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             confirm_unverified=True)  # fmt: skip

    assert len(found("inactive", city_auditor)) == 1


def test_inactive_flags_aid_paid_after_exit(units, city_auditor, kunshan_head, fund, verified):
    from cases.services import case_exit

    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             disbursed_on=TODAY)  # fmt: skip
    case_exit(case=verified, exited_on=TODAY - datetime.timedelta(days=1), reason="再就业",
              acting_user=kunshan_head)  # fmt: skip

    assert len(found("inactive", city_auditor)) == 1


def test_inactive_is_quiet_for_aid_to_a_verified_case(city_auditor, kunshan_head, fund, verified):
    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head)

    assert found("inactive", city_auditor) == []


def test_inactive_is_quiet_for_aid_paid_before_a_later_exit(
    units, city_auditor, kunshan_head, fund, verified
):
    from cases.services import case_exit

    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             disbursed_on=TODAY - datetime.timedelta(days=2))  # fmt: skip
    case_exit(case=verified, exited_on=TODAY - datetime.timedelta(days=1), reason="再就业",
              acting_user=kunshan_head)  # fmt: skip

    assert found("inactive", city_auditor) == []


def test_threshold_flags_one_persons_aid_above_it_this_year(
    city_auditor, kunshan_head, fund, verified, settings
):
    settings.RELIEF_AUDIT_ANNUAL_THRESHOLD = "1000"
    for amount in ("600", "500"):
        pay_cash(case=verified, fund=fund, amount=Decimal(amount), acting_user=kunshan_head,
                 disbursed_on=TODAY)  # fmt: skip

    rows = found("threshold", city_auditor)

    assert len(rows) == 1 and "1,100.00" in rows[0].summary


def test_threshold_is_quiet_at_the_threshold_and_for_other_years(
    city_auditor, kunshan_head, fund, verified, settings
):
    settings.RELIEF_AUDIT_ANNUAL_THRESHOLD = "1000"
    pay_cash(case=verified, fund=fund, amount=Decimal("1000"), acting_user=kunshan_head,
             disbursed_on=TODAY)  # fmt: skip
    pay_cash(case=verified, fund=fund, amount=Decimal("5000"), acting_user=kunshan_head,
             disbursed_on=datetime.date(2007, 2, 1))  # fmt: skip

    assert found("threshold", city_auditor) == []


def test_receipts_flags_unsigned_and_not_signed(city_auditor, kunshan_head, fund, verified):
    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             receipt_signed=False)  # fmt: skip
    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             receipt_signed=True)  # fmt: skip

    assert len(found("receipts", city_auditor)) == 1


def test_reviews_flags_cases_without_this_years_review(city_auditor, kunshan_head, units):
    reviewed = CaseFactory(unit=units["昆山市总工会"], verified=True)
    not_reviewed = CaseFactory(unit=units["昆山市总工会"], verified=True)
    review_record(case=reviewed, reviewed_on=TODAY, outcome="continue", acting_user=kunshan_head)

    urls = [f.url for f in found("reviews", city_auditor)]

    assert any(f"/{not_reviewed.pk}/" in url for url in urls)
    assert not any(f"/{reviewed.pk}/" in url for url in urls)


def test_ledgers_flags_a_balance_that_differs_from_its_ledger(city_auditor, fund, units):
    clean = FundFactory(unit=units["吴中区总工会"], opening=Decimal("10"))
    Fund.objects.filter(pk=fund.pk).update(balance=Decimal("1"))

    rows = found("ledgers", city_auditor)

    assert len(rows) == 1 and f"/{fund.pk}/" in rows[0].url
    assert f"/{clean.pk}/" not in rows[0].url


def test_pairings_flags_an_agreement_behind_on_payment(units, city_auditor, verified):
    sponsor = Sponsor.objects.create(name="中国农业银行苏州分行", kind="organisation",
                                     unit=units["金阊区总工会"])  # fmt: skip
    behind = Agreement.objects.create(
        number="JC-2007-01", sponsor=sponsor, unit=units["昆山市总工会"], kind="hardship",
        amount=Decimal("100"), period="monthly", start=TODAY - datetime.timedelta(days=40),
        end=TODAY + datetime.timedelta(days=300), status=AgreementStatus.ACTIVE,
    )  # fmt: skip
    Beneficiary.objects.create(agreement=behind, case=verified)
    future = Agreement.objects.create(
        number="JC-2099-01", sponsor=sponsor, unit=units["昆山市总工会"], kind="hardship",
        amount=Decimal("100"), period="monthly", start=TODAY + datetime.timedelta(days=5),
        end=TODAY + datetime.timedelta(days=300), status=AgreementStatus.ACTIVE,
    )  # fmt: skip
    Beneficiary.objects.create(agreement=future, case=verified)

    rows = found("pairings", city_auditor)

    assert len(rows) == 1 and rows[0].summary.startswith("JC-2007-01")
    assert "200.00" in rows[0].summary


def test_district_table_counts_per_district(units, city_auditor, kunshan_head, fund, verified):
    pay_cash(case=verified, fund=fund, amount=Decimal("100"), acting_user=kunshan_head,
             receipt_signed=False)  # fmt: skip

    rules, table = audit.district_table(city_auditor)

    receipts_column = [r.code for r in rules].index("receipts")
    assert {name: counts[receipts_column] for name, counts in table}["昆山市总工会"] == 1
