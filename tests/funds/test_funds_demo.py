"""`loaddemo` pays the bulletin's disbursements so that reports reproduce its figures.

One ``TestCase`` with ``setUpTestData``: the whole demo (about 1,100 cases and as many
disbursements) loads once for the module and each test rolls back to it.
"""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Sum
from django.test import TestCase, override_settings

from cases.demo import CAMPAIGN_NAME
from core.money import ZERO, quantize_yuan
from funds import demo as funds_demo
from funds.models import Disbursement, DisbursementKind, Fund, LedgerEntry


def paid(**filters) -> tuple[int, int, Decimal, Decimal]:
    """(people, disbursements, cash, goods value) of the campaign's disbursements."""
    rows = Disbursement.objects.filter(campaign__name=CAMPAIGN_NAME, **filters).with_values()
    totals = rows.aggregate(
        people=Count("case", distinct=True),
        count=Count("pk"),
        cash=Sum("cash_amount"),
        goods=Sum("goods_total"),
    )
    # SQLite sums decimals as floats: round to fen, as every report must.
    return (
        totals["people"],
        totals["count"],
        quantize_yuan(totals["cash"] or Decimal(0)),
        quantize_yuan(totals["goods"] or Decimal(0)),
    )


def snapshot():
    return (
        sorted(Fund.objects.values_list("unit__name", "name", "balance")),
        LedgerEntry.objects.count(),
        Disbursement.objects.count(),
        LedgerEntry.history.count(),
        Disbursement.history.count(),
    )


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LoadDemoFundsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("loaddemo", "--password", "pw", stdout=StringIO())

    def test_wuzhong_paid_74_retiree_households_110500_yuan_on_6_january(self):
        figures = paid(activity__title=funds_demo.WZ_RETIREES, disbursed_on="2007-01-06")

        assert figures == (74, 74, Decimal("110500.00"), ZERO)

    def test_wuzhong_paid_219_workers_171400_yuan_on_four_routes_on_1_february(self):
        figures = paid(activity__title=funds_demo.WZ_ROUTES, disbursed_on="2007-02-01")
        routes = Disbursement.objects.filter(activity__title=funds_demo.WZ_ROUTES)

        assert figures == (219, 219, Decimal("171400.00"), ZERO)
        assert routes.values("activity").distinct().count() == 4

    def test_gongtou_paid_592_people_750000_yuan(self):
        figures = paid(paying_unit__name="苏州工投公司工会")

        assert figures == (592, 592, Decimal("750000.00"), ZERO)

    def test_kunshan_symposium_chairs_routes_and_pupils(self):
        goods = Disbursement.objects.filter(
            activity__title=funds_demo.KS_SYMPOSIUM, kind=DisbursementKind.GOODS
        )

        symposium = paid(activity__title=funds_demo.KS_SYMPOSIUM)

        assert symposium == (30, 60, Decimal("24000.00"), Decimal("10500.00"))
        assert set(goods.values_list("item", "quantity", "unit_value")) == {
            ("生活用品", 1, Decimal("350.00"))
        }
        assert paid(activity__title=funds_demo.KS_CHAIRS) == (4, 4, Decimal("7500.00"), ZERO)
        assert paid(activity__title=funds_demo.KS_ROUTES) == (14, 14, Decimal("14200.00"), ZERO)
        assert paid(activity__title=funds_demo.KS_STUDENTS) == (6, 6, Decimal("4800.00"), ZERO)

    def test_jinchang_paid_95_subsidies_from_its_foundation(self):
        subsidies = Disbursement.objects.filter(
            campaign__name=CAMPAIGN_NAME,
            paying_unit__name="金阊区总工会",
            kind=DisbursementKind.SUBSIDY,
        )

        assert subsidies.count() == subsidies.values("case").distinct().count() == 95
        assert set(subsidies.values_list("fund__name", flat=True)) == {"扶贫帮困基金会"}

    def test_a_few_receipts_are_left_unsigned_for_the_audit(self):
        unsigned = Disbursement.objects.filter(campaign__name=CAMPAIGN_NAME, receipt_signed=False)

        assert 0 < unsigned.count() <= 10

    def test_every_fund_balance_equals_its_ledger_and_is_not_negative(self):
        funds = Fund.objects.annotate(ledger=Sum("entries__amount"))

        assert funds.count() >= len(funds_demo.FUNDS)
        for fund in funds:
            newest = LedgerEntry.objects.filter(fund=fund).order_by("-posted_at", "-pk").first()
            assert fund.balance == quantize_yuan(fund.ledger or Decimal(0)), fund
            assert fund.balance >= 0, fund
            assert newest.balance_after == fund.balance, fund

    def test_every_disbursement_from_a_fund_has_its_ledger_entry(self):
        from_funds = Disbursement.objects.filter(fund__isnull=False, is_reversed=False)

        for disbursement in from_funds.select_related("ledger_entry"):
            assert disbursement.ledger_entry.amount == -disbursement.total_value
            assert disbursement.ledger_entry.fund_id == disbursement.fund_id

    def test_running_loaddemo_twice_changes_nothing(self):
        first = snapshot()

        call_command("loaddemo", "--password", "other", stdout=StringIO())

        assert snapshot() == first
