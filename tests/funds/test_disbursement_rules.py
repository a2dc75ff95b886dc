"""The rules a clerk meets when posting a disbursement (发放) through the service."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funds.models import Disbursement, DisbursementKind, LedgerEntry
from funds.services import disbursement_post
from tests.cases.factories import CaseFactory
from tests.funds.factories import pay_cash


def test_an_overdraw_is_refused_with_the_funds_balance_in_the_message(
    kunshan_clerk, kunshan_case, kunshan_fund
):
    entries_before = LedgerEntry.objects.count()

    with pytest.raises(ValidationError) as refused:
        pay_cash(case=kunshan_case, fund=kunshan_fund, amount="12000", acting_user=kunshan_clerk)

    assert refused.value.messages == [
        "昆山送温暖专项资金余额不足：当前余额 10,000.00 元，本次需要 12,000.00 元。"
    ]
    assert "10,000.00" in str(refused.value)
    assert "12,000.00" in str(refused.value)
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")
    assert LedgerEntry.objects.count() == entries_before
    assert not Disbursement.objects.exists()


def test_paying_exactly_the_balance_leaves_zero(kunshan_clerk, kunshan_case, kunshan_fund):
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount="10000", acting_user=kunshan_clerk)

    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("0.00")


def test_goods_need_an_item_a_quantity_and_a_unit_value(kunshan_clerk, kunshan_case, units):
    with pytest.raises(ValidationError) as refused:
        disbursement_post(
            case=kunshan_case,
            disbursed_on=datetime.date(2007, 2, 7),
            kind=DisbursementKind.GOODS,
            paying_unit=units["昆山市总工会"],
            acting_user=kunshan_clerk,
        )

    assert set(refused.value.message_dict) >= {"item", "quantity", "unit_value"}
    assert refused.value.message_dict["item"] == ["请填写物资名称，例如棉被。"]
    assert refused.value.message_dict["quantity"] == ["物资数量至少为1。"]
    assert refused.value.message_dict["unit_value"] == ["物资需要填写单价（捐赠物资填0）。"]
    assert not Disbursement.objects.exists()


def test_goods_bought_from_a_fund_take_quantity_times_unit_value_out_of_it(
    kunshan_clerk, kunshan_case, kunshan_fund
):
    disbursement = disbursement_post(
        case=kunshan_case,
        disbursed_on=datetime.date(2007, 2, 7),
        kind=DisbursementKind.GOODS,
        item="棉被",
        quantity=2,
        unit_value="175",
        fund=kunshan_fund,
        paying_unit=kunshan_fund.unit,
        acting_user=kunshan_clerk,
    )

    kunshan_fund.refresh_from_db()
    assert disbursement.ledger_entry.amount == Decimal("-350.00")
    assert kunshan_fund.balance == Decimal("9650.00")


def test_donated_goods_without_a_fund_post_no_ledger_entry(kunshan_clerk, kunshan_case, units):
    disbursement = disbursement_post(
        case=kunshan_case,
        disbursed_on=datetime.date(2007, 1, 25),
        kind=DisbursementKind.GOODS,
        item="食用油",
        quantity=1,
        unit_value="0",
        paying_unit=units["昆山市总工会"],
        acting_user=kunshan_clerk,
    )

    assert disbursement.pk and disbursement.ledger_entry is None


def test_cash_needs_a_fund(kunshan_clerk, kunshan_case, units):
    with pytest.raises(ValidationError) as refused:
        disbursement_post(
            case=kunshan_case,
            disbursed_on=datetime.date(2007, 2, 1),
            kind=DisbursementKind.CONDOLENCE,
            cash_amount="800",
            paying_unit=units["昆山市总工会"],
            acting_user=kunshan_clerk,
        )

    assert "fund" in refused.value.message_dict
    assert refused.value.message_dict["fund"] == [
        "现金须从资金中支出：请选择资金（或填写直接支付的结对方）。"
    ]
    assert not Disbursement.objects.exists()


# Zero reads as "no amount"; a negative amount is only caught by the database check
# constraint, whose message is Django's generic one naming the constraint.
@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", {"cash_amount": ["请填写金额。"]}),
        ("-800", {"cash_amount": ["金额必须大于零。"]}),
    ],
)
def test_cash_must_be_more_than_zero(kunshan_clerk, kunshan_case, kunshan_fund, amount, expected):
    with pytest.raises(ValidationError) as error:
        pay_cash(case=kunshan_case, fund=kunshan_fund, amount=amount, acting_user=kunshan_clerk)

    assert error.value.message_dict == expected

    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")


def test_a_clerk_cannot_pay_a_case_that_is_not_on_file(kunshan_clerk, kunshan_fund, units):
    pending = CaseFactory(unit=units["张浦镇工会"], name="待审核")

    with pytest.raises(ValidationError) as refused:
        pay_cash(case=pending, fund=kunshan_fund, amount="500", acting_user=kunshan_clerk)
    with pytest.raises(PermissionDenied, match="只有负责人可以确认向不在档人员发放。"):
        pay_cash(
            case=pending,
            fund=kunshan_fund,
            amount="500",
            acting_user=kunshan_clerk,
            confirm_unverified=True,
        )

    assert "case" in refused.value.message_dict
    assert refused.value.message_dict["case"] == [
        "待审核不在档（状态：待审核），须由负责人确认后才能发放。"
    ]
    assert "待审核" in str(refused.value)
    assert not Disbursement.objects.exists()


def test_an_approver_may_confirm_a_payment_to_a_case_not_on_file(
    kunshan_head, kunshan_fund, units
):
    pending = CaseFactory(unit=units["张浦镇工会"])

    with pytest.raises(
        ValidationError, match="不在档（状态：待审核），须由负责人确认后才能发放。"
    ):
        pay_cash(case=pending, fund=kunshan_fund, amount="500", acting_user=kunshan_head)
    paid = pay_cash(
        case=pending,
        fund=kunshan_fund,
        amount="500",
        acting_user=kunshan_head,
        confirm_unverified=True,
    )

    assert paid.cash_amount == Decimal("500.00")


def test_a_kunshan_clerk_cannot_pay_a_wuzhong_case(kunshan_clerk, wuzhong_case, kunshan_fund):
    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        pay_cash(case=wuzhong_case, fund=kunshan_fund, amount="500", acting_user=kunshan_clerk)

    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")


def test_a_kunshan_clerk_cannot_pay_from_a_wuzhong_fund(kunshan_clerk, kunshan_case, wuzhong_fund):
    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        pay_cash(
            case=kunshan_case,
            fund=wuzhong_fund,
            amount="500",
            acting_user=kunshan_clerk,
            paying_unit=kunshan_case.unit,
        )

    wuzhong_fund.refresh_from_db()
    assert wuzhong_fund.balance == Decimal("10000.00")


def test_a_kunshan_clerk_cannot_name_wuzhong_as_the_paying_unit(
    kunshan_clerk, kunshan_case, kunshan_fund, units
):
    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        pay_cash(
            case=kunshan_case,
            fund=kunshan_fund,
            amount="500",
            acting_user=kunshan_clerk,
            paying_unit=units["吴中区总工会"],
        )


def test_an_auditor_cannot_post(city_auditor, kunshan_case, kunshan_fund):
    with pytest.raises(PermissionDenied, match="^$"):  # the bare access refusal
        pay_cash(case=kunshan_case, fund=kunshan_fund, amount="500", acting_user=city_auditor)


def test_a_town_may_not_pay_from_a_sibling_towns_fund(kunshan_clerk, kunshan_case, units):
    from tests.funds.factories import FundFactory

    lujia_fund = FundFactory(unit=units["陆家镇工会"], opening="1000")

    with pytest.raises(ValidationError) as refused:
        pay_cash(
            case=kunshan_case,
            fund=lujia_fund,
            amount="100",
            acting_user=kunshan_clerk,
            paying_unit=units["张浦镇工会"],
        )

    assert "fund" in refused.value.message_dict
    assert refused.value.message_dict["fund"] == ["资金必须属于发放单位或其上级单位。"]


def test_amounts_are_decimal_yuan_with_two_places(kunshan_clerk, kunshan_case, kunshan_fund):
    paid = pay_cash(
        case=kunshan_case, fund=kunshan_fund, amount="1234.5", acting_user=kunshan_clerk
    )

    paid.refresh_from_db()
    kunshan_fund.refresh_from_db()
    entry = LedgerEntry.objects.get(pk=paid.ledger_entry_id)
    for value, expected in [
        (paid.cash_amount, "1234.50"),
        (entry.amount, "-1234.50"),
        (entry.balance_after, "8765.50"),
        (kunshan_fund.balance, "8765.50"),
    ]:
        assert isinstance(value, Decimal)
        assert value == Decimal(expected)
        assert value.as_tuple().exponent == -2
