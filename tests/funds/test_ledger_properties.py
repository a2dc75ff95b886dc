"""Property: whatever is posted, allocated, paid or reversed — and whatever is refused —
every fund's balance equals the sum of its ledger, is never negative, and is the
newest entry's ``balance_after``."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from core.money import quantize_yuan
from funds.models import EntryKind, Fund, LedgerEntry
from funds.services import allocation_post, disbursement_post, entry_reverse, income_post
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory
from unions import demo as unions_demo
from unions.models import UnionUnit, User

# City → Kunshan → Zhangpu is a chain (allocations go down it); Wuzhong is a sibling
# branch, so some allocations are refused.
FUND_UNITS = ["苏州市总工会", "昆山市总工会", "张浦镇工会", "吴中区总工会"]

OPENING = Decimal("3000")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
fund_index = st.integers(min_value=0, max_value=len(FUND_UNITS) - 1)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("income"), fund_index, amounts),
        st.tuples(st.just("pay"), fund_index, amounts),
        st.tuples(st.just("allocate"), fund_index, fund_index, amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=200)),
    ),
    max_size=25,
)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LedgerInvariantTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        unions_demo.load(password="pw", log=lambda message: None)
        cls.user = User.objects.create_superuser("ledger-property")
        units = {unit.name: unit for unit in UnionUnit.objects.all()}
        cls.funds = [
            FundFactory(unit=units[name], opening=OPENING, opening__poster=cls.user)
            for name in FUND_UNITS
        ]
        cls.cases = [CaseFactory(unit=units[name], verified=True) for name in FUND_UNITS]

    def apply(self, operation) -> None:
        kind, *args = operation
        if kind == "income":
            index, amount = args
            income_post(
                fund=self.funds[index],
                kind=EntryKind.OWN_BUDGET,
                amount=amount,
                acting_user=self.user,
            )
        elif kind == "pay":
            index, amount = args
            fund = self.funds[index]
            disbursement_post(
                case=self.cases[index],
                disbursed_on=datetime.date(2007, 2, 1),
                kind="condolence",
                cash_amount=amount,
                fund=fund,
                paying_unit=fund.unit,
                acting_user=self.user,
            )
        elif kind == "allocate":
            giving, receiving, amount = args
            allocation_post(
                from_fund=self.funds[giving],
                to_fund=self.funds[receiving],
                amount=amount,
                acting_user=self.user,
            )
        else:
            (pick,) = args
            entries = list(LedgerEntry.objects.order_by("pk"))
            if entries:
                entry_reverse(
                    entry=entries[pick % len(entries)], reason="更正", acting_user=self.user
                )

    def snapshot(self):
        return (
            list(Fund.objects.order_by("pk").values_list("pk", "balance")),
            LedgerEntry.objects.count(),
        )

    def assert_ledgers_reconcile(self) -> None:
        for fund in Fund.objects.all():
            entries = LedgerEntry.objects.filter(fund=fund)
            # SQLite sums decimals as floats: round the sum to fen before comparing.
            total = quantize_yuan(entries.aggregate(total=Sum("amount"))["total"] or Decimal(0))
            assert fund.balance == total, fund
            assert fund.balance >= 0, fund
            newest = entries.order_by("-posted_at", "-pk").first()
            assert (newest.balance_after if newest else Decimal("0.00")) == fund.balance
            # Every running balance along the way was non-negative and consistent too.
            running = Decimal("0.00")
            for entry in entries.order_by("posted_at", "pk"):
                running += entry.amount
                assert entry.balance_after == running >= 0

    @settings(max_examples=40, deadline=None)
    @given(operations)
    def test_balances_always_equal_the_ledger_and_never_go_below_zero(self, ops):
        refused = 0
        for operation in ops:
            before = self.snapshot()
            try:
                self.apply(operation)
            except ValidationError:
                refused += 1
                assert self.snapshot() == before, f"{operation} was refused but left a trace"
            self.assert_ledgers_reconcile()
