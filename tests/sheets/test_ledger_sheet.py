"""The ledger sheet (资金台账): opening balances and money received; new funds by name."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cases.models import CaseStatus
from funds.models import EntryKind, Fund, FundKind, LedgerEntry
from funds.resources import LedgerResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory, pay_cash
from tests.sheets.helpers import errors_of, export_sheet, import_sheet

pytestmark = pytest.mark.django_db

HEADERS = ["资金名称", "所属工会", "资金类别", "日期", "收支类型", "金额（元）", "来源", "备注"]
AMOUNT = "金额（元）"


def row(**cells):
    values = {
        "资金名称": "送温暖专项资金",
        "所属工会": "昆山市总工会",
        "资金类别": "送温暖专项资金",
        "日期": "2007.1.5",
        "收支类型": "上级拨款",
        AMOUNT: "100,000",
        "来源": "苏州市总工会",
    }
    values.update(cells)
    return values


def run(user, rows, **kwargs):
    return import_sheet(LedgerResource, user, rows, HEADERS, **kwargs)


def test_a_new_fund_is_created_and_every_sum_posted_with_its_running_balance(kunshan_clerk):
    rows = [
        row(),
        row(日期="2007年1月20日", 收支类型="社会捐赠", 来源="机关党员", **{AMOUNT: "1，000.50"}),
    ]

    result = run(kunshan_clerk, rows)

    assert (errors_of(result), result.summary()) == ([], "新增 2，更新 0，未变 0")
    fund = Fund.objects.get(name="送温暖专项资金", unit__name="昆山市总工会")
    assert (fund.kind, fund.balance) == (FundKind.CAMPAIGN, Decimal("101000.50"))
    entries = fund.entries.order_by("pk")
    assert [(e.kind, e.entry_date, e.balance_after, e.posted_by) for e in entries] == [
        (EntryKind.ALLOCATION_IN, datetime.date(2007, 1, 5), Decimal("100000.00"), kunshan_clerk),
        (EntryKind.DONATION, datetime.date(2007, 1, 20), Decimal("101000.50"), kunshan_clerk),
    ]
    assert fund.history.get().history_user == kunshan_clerk
    assert {e.history.get().history_user for e in entries} == {kunshan_clerk}


def test_importing_the_same_file_again_posts_nothing(kunshan_clerk):
    run(kunshan_clerk, [row()])

    result = run(kunshan_clerk, [row()], fmt="xlsx")

    assert (errors_of(result), result.summary()) == ([], "新增 0，更新 0，未变 1")
    assert Fund.objects.get().balance == Decimal("100000.00")


def test_income_into_an_existing_fund_adds_to_its_balance(kunshan_clerk, units):
    fund = FundFactory(unit=units["昆山市总工会"], name="结对助学金", opening=Decimal("500"))

    result = run(kunshan_clerk, [row(资金名称="结对助学金", 资金类别="", **{AMOUNT: "300"})])

    assert errors_of(result) == []
    fund.refresh_from_db()
    assert fund.balance == Decimal("800.00")
    assert fund.entries.latest("pk").balance_after == Decimal("800.00")


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"收支类型": "发放记录"}, "收支类型"),
        ({"收支类型": "冲正"}, "收支类型"),
        ({AMOUNT: "-100"}, AMOUNT),
        ({AMOUNT: "0"}, AMOUNT),
        ({"收支类型": "社会捐赠", "来源": ""}, "来源"),
        ({"资金名称": "新基金", "资金类别": ""}, "资金类别"),
        ({"资金名称": "新基金", "资金类别": "私房钱"}, "资金类别"),
        ({"所属工会": "吴中区总工会"}, "所属工会"),
        ({"日期": "去年"}, "日期"),
    ],
)
def test_each_refusal_is_named_and_nothing_is_written(kunshan_clerk, cells, column):
    result = run(kunshan_clerk, [row(), row(**cells)])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(3, column)]
    assert (Fund.objects.count(), LedgerEntry.objects.count()) == (0, 0)


def test_an_existing_fund_of_another_kind_is_refused(kunshan_clerk, units):
    FundFactory(unit=units["昆山市总工会"], name="送温暖专项资金", kind=FundKind.FOUNDATION)

    result = run(kunshan_clerk, [row()])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(2, "资金类别")]


def test_the_same_sum_twice_in_one_file_is_refused(kunshan_clerk):
    result = run(kunshan_clerk, [row(), row()])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(3, "资金名称")]


def test_auditors_cannot_import(city_auditor):
    with pytest.raises(PermissionDenied) as error:
        run(city_auditor, [row()])

    assert str(error.value) == "您没有导入资金台账的权限。"


def test_the_export_holds_every_entry_of_the_scope_and_reimports_unchanged(
    kunshan_clerk, wuzhong_clerk, units
):
    run(kunshan_clerk, [row(), row(收支类型="本级经费", 来源="", **{AMOUNT: "50"})])
    fund = Fund.objects.get()
    case = CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED)
    pay_cash(case=case, fund=fund, amount=Decimal("800"), acting_user=kunshan_clerk)
    FundFactory(unit=units["吴中区总工会"], name="吴中基金", opening=Decimal("7"))

    data, exported = export_sheet(LedgerResource, kunshan_clerk, "ledger.xlsx")

    assert [(r["收支类型"], r[AMOUNT]) for r in exported] == [
        ("上级拨款", 100000),
        ("本级经费", 50),
        ("发放记录", -800),
    ]
    again = LedgerResource(user=kunshan_clerk).import_sheet(read_sheet(data, "ledger.xlsx"))
    assert (errors_of(again), again.summary()) == ([], "新增 0，更新 0，未变 3")
    _data, wuzhong = export_sheet(LedgerResource, wuzhong_clerk)
    assert [r["资金名称"] for r in wuzhong] == ["吴中基金"]
