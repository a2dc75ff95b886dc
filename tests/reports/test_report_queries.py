"""Every report page runs as many queries for 5 records as for 50.

``grow`` adds cases with one disbursement each, spread so that more records mean more of
everything a page loops over: districts and categories (summary groups and chart bars),
funds and campaigns (the filter's choices), activities and outings (the bulletin), and
findings of every audit rule (listings and .xlsx rows). Each test checks that the page
shows more after growing, so a query per row, group, choice or finding would fail it.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import shared_ids
from cases.idnumbers import random_id_number
from cases.models import (
    Activity,
    ActivityKind,
    Campaign,
    Category,
    HouseholdMember,
    Referral,
)
from funds.models import Disbursement, DisbursementKind, Fund, FundKind
from reports import audit
from tests.cases.factories import CaseFactory
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory
from tests.query_counts import assert_constant_queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
# Paying units across all four districts, towns included (a town rolls up into its district).
UNITS = ["昆山市总工会", "张浦镇工会", "吴中区总工会", "木渎镇工会", "金阊区总工会",
         "苏州工投公司工会", "陆家镇工会", "胥口镇工会"]  # fmt: skip
CATEGORIES = list(Category.values)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def grow(units, kunshan_head, settings):
    """``grow(n)`` adds n cases, each paid once this year, and findings for every rule."""
    settings.RELIEF_AUDIT_ANNUAL_THRESHOLD = "1000"
    made = {"cases": 0}
    campaign = Campaign.objects.create(
        name=f"{YEAR}年春节送温暖", organiser=units["苏州市总工会"],
        starts_on=datetime.date(YEAR, 1, 1), ends_on=datetime.date(YEAR, 12, 31),
    )  # fmt: skip

    def add(count: int) -> None:
        start = made["cases"]
        made["cases"] += count
        disbursements = []
        for i in range(start, start + count):
            unit = units[UNITS[i % len(UNITS)]]
            # A fund, a campaign and an activity (an outing of its own) per record.
            fund = Fund.objects.create(unit=unit, name=f"帮扶资金{i}", kind=FundKind.CAMPAIGN)
            if i % 3 == 0:  # a balance its (empty) ledger does not explain
                Fund.objects.filter(pk=fund.pk).update(balance=Decimal("10"))
            Campaign.objects.create(
                name=f"{YEAR}年金秋助学{i}", organiser=unit,
                starts_on=datetime.date(YEAR, 8, 1), ends_on=datetime.date(YEAR, 9, 30),
            )  # fmt: skip
            pending = i % 4 == 1  # paid before verification: an audit finding
            case = CaseFactory(
                unit=unit,
                category=CATEGORIES[i % len(CATEGORIES)],
                verified=not pending,
                verified_on=None if pending else datetime.date(YEAR - 1, 1, 1),
                # On file but meeting no 困难类型: the no_type finding.
                hardship_type="none" if i % 3 == 2 else "deep",
            )
            activity = Activity.objects.create(
                campaign=campaign, kind=ActivityKind.VISIT, title=f"走访慰问{i}",
                held_on=datetime.date(YEAR, 1, 1) + datetime.timedelta(days=i % 300),
                unit=unit, route_label=f"第{i}路", leaders="王近", places=f"地点{i}",
            )  # fmt: skip
            activity.cases.add(case)
            goods = i % 2 == 1
            disbursements.append(
                Disbursement(
                    case=case,
                    disbursed_on=activity.held_on,
                    kind=DisbursementKind.GOODS if goods else DisbursementKind.CONDOLENCE,
                    cash_amount=None if goods else Decimal("1500"),
                    item="棉被" if goods else "",
                    quantity=2 if goods else None,
                    unit_value=Decimal("150") if goods else None,
                    fund=fund,
                    campaign=campaign,
                    activity=activity,
                    paying_unit=unit,
                    receipt_signed=i % 5 != 0,
                    is_reversed=i % 7 == 6,
                    posted_by=kunshan_head,
                )
            )
            # A household member on file as a case elsewhere, and a child in two homes.
            HouseholdMember.objects.create(
                case=case, relation="spouse", name=f"配偶{i}",
                id_number=CaseFactory(unit=units[UNITS[(i + 1) % len(UNITS)]]).id_number,
            )  # fmt: skip
            if i % 2 == 0:
                other = CaseFactory(unit=units[UNITS[(i + 3) % len(UNITS)]])
                shared = random_id_number(random.Random(10_000 + i))
                for home in (case, other):
                    HouseholdMember.objects.create(
                        case=home, relation="child", name=f"孩子{i}", id_number=shared
                    )
            Referral.objects.create(case=case, reason="长期困难", submitted_by=kunshan_head)
            agreement = AgreementFactory(
                number=f"XY-Q-{i:03d}", unit=unit, start=TODAY - datetime.timedelta(days=90),
                end=TODAY + datetime.timedelta(days=10 if i % 2 else 400),
            )  # fmt: skip
            BeneficiaryFactory(agreement=agreement, case=case)
        Disbursement.objects.bulk_create(disbursements)
        shared_ids.check_now()  # the duplicate-ID candidates are checked at commit (PostgreSQL)

    return add


def assert_same_cost(client, url, grow, content_type="text/html", *, measure):
    """Queries for ``url`` after grow(5) and after grow(45) more; ``measure(response)``
    must grow too (proof that the page has more to loop over)."""
    return assert_constant_queries(
        client, url, grow, shown=measure, content_type=content_type
    ).queries


def summary_rows(response) -> int:
    return len(response.context["table"])


def xlsx_rows(response) -> int:
    import io

    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(response.content)).active.max_row


# --- the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["city_auditor", "kunshan_clerk"])
@pytest.mark.parametrize("by", ["unit", "category", "unit,category"])
def test_summary_page(request, client_for, grow, role, by):
    client = client_for(request.getfixturevalue(role))
    url = reverse("admin:reports_summary") + f"?date_from={YEAR}-01-01&by={by}"

    def shown(response):
        # groups in the table, plus the choices of the filter (funds, campaigns) as drawn
        return summary_rows(response) + response.content.decode().count("<option")

    assert assert_same_cost(client, url, grow, measure=shown) <= 14


@pytest.mark.parametrize("role", ["city_auditor", "kunshan_clerk"])
def test_summary_xlsx_download(request, client_for, grow, role):
    client = client_for(request.getfixturevalue(role))
    url = reverse("admin:reports_summary") + "?by=unit,category&format=xlsx"

    assert assert_same_cost(client, url, grow, XLSX, measure=xlsx_rows) <= 8


@pytest.mark.parametrize("role", ["city_auditor", "kunshan_clerk"])
def test_bulletin_page(request, client_for, grow, role):
    client = client_for(request.getfixturevalue(role))
    campaign = Campaign.objects.get(name=f"{YEAR}年春节送温暖")
    url = reverse("admin:reports_bulletin", args=[campaign.pk])

    def outings(response):
        return sum(len(p["outings"]) for p in response.context["paragraphs"])

    assert assert_same_cost(client, url, grow, measure=outings) <= 20


def test_audit_page(city_auditor, client_for, grow):
    client = client_for(city_auditor)

    def findings(response):
        return sum(response.context["totals"])

    assert assert_same_cost(client, reverse("admin:reports_audit"), grow, measure=findings) <= 25


@pytest.mark.parametrize("code", [rule.code for rule in audit.RULES])
def test_audit_listing(city_auditor, client_for, grow, code):
    client = client_for(city_auditor)
    url = reverse("admin:reports_audit") + f"?rule={code}"

    def listed(response):
        return len(response.context["findings"])

    assert assert_same_cost(client, url, grow, measure=listed) <= 30


@pytest.mark.parametrize("code", [rule.code for rule in audit.RULES])
def test_audit_xlsx_download(city_auditor, client_for, grow, code):
    client = client_for(city_auditor)
    url = reverse("admin:reports_audit") + f"?rule={code}&format=xlsx"

    assert assert_same_cost(client, url, grow, XLSX, measure=xlsx_rows) <= 10


@pytest.mark.parametrize("role", ["city_auditor", "city_admin", "kunshan_head", "kunshan_clerk"])
def test_admin_index_dashboard(request, client_for, grow, role):
    client = client_for(request.getfixturevalue(role))

    def counted(response):
        return sum(card["count"] for card in response.context["dashboard"])

    # 25: one count per card, the yearly queries' and the re-evaluation's (#17) included.
    assert assert_same_cost(client, reverse("admin:index"), grow, measure=counted) <= 25


def test_growing_adds_findings_for_every_rule(city_auditor, grow):
    """The yardstick of the audit tests: each rule has more to list after growing."""

    def findings():
        return {r.code: len(audit.findings(r, city_auditor, limit=None)) for r in audit.RULES}

    grow(5)
    few = findings()
    grow(45)
    many = findings()

    assert all(many[code] > few[code] > 0 for code in few), (few, many)
