"""The disbursement sheet (发放记录): postings through the money rules, all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from cases.models import CaseStatus
from funds.models import Disbursement, EntryKind, LedgerEntry
from funds.resources import DisbursementResource
from pairings.models import AgreementPayment
from pairings.resources import PairedDisbursementResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory, SponsorFactory
from tests.sheets.helpers import errors_of, export_sheet, import_sheet

pytestmark = pytest.mark.django_db

HEADERS = [
    "身份证号",
    "姓名",
    "发放日期",
    "发放类别",
    "金额（元）",
    "物资名称",
    "数量",
    "单价（元）",
    "资金来源",
    "活动",
    "发放单位",
    "带队领导",
    "经办人",
    "是否签收",
    "结对协议编号",
    "备注",
]
NOT_ON_FILE = gettext_lazy("No one with this ID number is on file in your units.")


@pytest.fixture
def person(units):
    return CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED, name="顾小妹")


@pytest.fixture
def fund(units):
    return FundFactory(unit=units["昆山市总工会"], name="送温暖专项资金", opening=Decimal("1000"))


def row(person, **cells):
    values = {
        "身份证号": person.id_number,
        "姓名": person.name,
        "发放日期": "2007年2月7日",
        "发放类别": "慰问金",
        "金额（元）": "￥300",
        "资金来源": "送温暖专项资金",
        "发放单位": "昆山市总工会",
        "带队领导": "张主席",
        "是否签收": "是",
    }
    values.update(cells)
    return values


def run(user, rows, **kwargs):
    return import_sheet(PairedDisbursementResource, user, rows, HEADERS, **kwargs)


def test_a_clean_file_pays_out_of_the_fund_with_ledger_and_history(kunshan_clerk, person, fund):
    goods = row(
        person,
        发放类别="物资",
        **{"金额（元）": ""},
        物资名称="棉被",
        数量="２",
        **{"单价（元）": "150元"},
    )
    result = run(
        kunshan_clerk,
        [row(person), row(person, 发放类别="困难补助", **{"金额（元）": "200"}), goods],
    )

    assert (errors_of(result), result.summary()) == ([], "新增 3，更新 0，未变 0")
    fund.refresh_from_db()
    assert fund.balance == Decimal("200.00")  # 1000 - 300 - 200 - 2 × 150
    entries = LedgerEntry.objects.filter(fund=fund, kind=EntryKind.DISBURSEMENT).order_by("pk")
    assert [(e.amount, e.balance_after) for e in entries] == [
        (Decimal("-300.00"), Decimal("700.00")),
        (Decimal("-200.00"), Decimal("500.00")),
        (Decimal("-300.00"), Decimal("200.00")),
    ]
    assert fund.balance == sum(e.amount for e in fund.entries.all())  # the audit's rule
    paid = Disbursement.objects.order_by("pk")
    assert [d.ledger_entry_id for d in paid] == [e.pk for e in entries]
    assert {d.history.get().history_user for d in paid} == {kunshan_clerk}
    assert {e.history.get().history_user for e in entries} == {kunshan_clerk}
    assert paid[0].disbursed_on == datetime.date(2007, 2, 7)
    assert LogEntry.objects.filter(user=kunshan_clerk, object_repr="sheet.csv").exists()


def test_importing_the_same_file_again_pays_nothing_twice(kunshan_clerk, person, fund):
    rows = [row(person), row(person, 发放类别="困难补助", **{"金额（元）": "200"})]
    run(kunshan_clerk, rows)

    result = run(kunshan_clerk, rows, fmt="xlsx")

    assert (errors_of(result), result.summary()) == ([], "新增 0，更新 0，未变 2")
    fund.refresh_from_db()
    assert (fund.balance, Disbursement.objects.count()) == (Decimal("500.00"), 2)


def test_a_signed_receipt_is_the_one_change_a_posted_row_takes(kunshan_clerk, person, fund):
    run(kunshan_clerk, [row(person, 是否签收="否")])

    result = run(kunshan_clerk, [row(person, 是否签收="是", 备注="已补签")])

    assert (errors_of(result), result.summary()) == ([], "新增 0，更新 1，未变 0")
    paid = Disbursement.objects.get()
    assert (paid.receipt_signed, paid.notes) == (True, "已补签")
    assert [h.history_type for h in paid.history.order_by("history_id")] == ["+", "~"]
    fund.refresh_from_db()
    assert fund.balance == Decimal("700.00")


def test_other_changes_to_a_posted_row_are_refused(kunshan_clerk, person, fund):
    run(kunshan_clerk, [row(person)])

    result = run(kunshan_clerk, [row(person, 带队领导="李主席")])

    [(number, column, message)] = errors_of(result)
    assert (number, column) == (2, "带队领导")
    assert "reverse" in message or "冲正" in message
    assert Disbursement.objects.get().leader == "张主席"


def test_payments_that_together_overdraw_the_fund_are_refused_and_nothing_is_paid(
    kunshan_clerk, person, fund
):
    rows = [
        row(person, **{"金额（元）": "600"}),
        row(person, 发放类别="困难补助", **{"金额（元）": "600"}),
    ]

    result = run(kunshan_clerk, rows)

    [(number, column, message)] = errors_of(result)
    assert (number, column) == (3, "金额（元）")
    assert "1,000.00" not in message and "400.00" in message  # the balance after row 2
    fund.refresh_from_db()
    assert (fund.balance, Disbursement.objects.count(), LedgerEntry.objects.count()) == (
        Decimal("1000.00"),
        0,
        1,
    )


def test_money_spent_between_the_check_and_the_write_refuses_the_file(
    kunshan_clerk, person, fund, monkeypatch
):
    """The balance is checked again under the fund's lock when writing."""
    monkeypatch.setattr(DisbursementResource, "validate_rows", lambda self, rows, context: None)

    result = run(
        kunshan_clerk, [row(person, **{"金额（元）": "800"}), row(person, 发放类别="困难补助")]
    )

    assert [(n, c) for n, c, _m in errors_of(result)] == [(3, "金额（元）")]
    fund.refresh_from_db()
    assert (fund.balance, Disbursement.objects.count()) == (Decimal("1000.00"), 0)


def test_a_person_of_another_district_looks_like_no_one(kunshan_clerk, units, fund):
    wuzhong = CaseFactory(unit=units["木渎镇工会"], status=CaseStatus.VERIFIED, name="木渎人")
    nobody = CaseFactory.build(unit=units["木渎镇工会"])

    result = run(kunshan_clerk, [row(wuzhong), row(nobody)])

    refusal = str(NOT_ON_FILE)
    assert errors_of(result) == [(2, "身份证号", refusal), (3, "身份证号", refusal)]
    assert "木渎" not in str(result.errors)


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"姓名": "顾大妹"}, "姓名"),
        ({"金额（元）": "-300"}, "金额（元）"),
        ({"金额（元）": ""}, "金额（元）"),
        ({"发放类别": "红包"}, "发放类别"),
        ({"资金来源": "不存在的资金"}, "资金来源"),
        ({"资金来源": ""}, "资金来源"),
        ({"活动": "不存在的活动"}, "活动"),
        ({"发放单位": "吴中区总工会"}, "发放单位"),
        ({"发放日期": "2007年2月30日"}, "发放日期"),
        ({"发放类别": "物资", "物资名称": "棉被", "单价（元）": "150"}, "数量"),
        ({"是否签收": "也许"}, "是否签收"),
    ],
)
def test_each_bad_cell_is_named(kunshan_clerk, person, fund, cells, column):
    result = run(kunshan_clerk, [row(person, **cells)])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(2, column)]
    assert Disbursement.objects.count() == 0


def test_a_fund_of_another_district_is_unknown(kunshan_clerk, person, fund, units):
    FundFactory(unit=units["吴中区总工会"], name="吴中送温暖", opening=Decimal("100"))

    result = run(kunshan_clerk, [row(person, 资金来源="吴中送温暖")])

    [(_n, column, message)] = errors_of(result)
    assert column == "资金来源" and "吴中区" not in message


def test_a_case_not_on_file_needs_an_approver_one_by_one(kunshan_head, units, fund):
    pending = CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.PENDING)

    result = run(kunshan_head, [row(pending)])

    [(_n, column, message)] = errors_of(result)
    assert column == "身份证号" and pending.name in message


def test_the_same_new_payment_twice_in_one_file_is_refused(kunshan_clerk, person, fund):
    result = run(kunshan_clerk, [row(person), row(person)])

    [(number, _column, message)] = errors_of(result)
    assert number == 3 and "2" in message


def test_a_district_payment_from_a_town_uses_the_nearest_fund(kunshan_clerk, person, units):
    FundFactory(unit=units["昆山市总工会"], name="送温暖专项资金", opening=Decimal("1000"))
    town = FundFactory(unit=units["张浦镇工会"], name="送温暖专项资金", opening=Decimal("1000"))

    result = run(kunshan_clerk, [row(person, 发放单位="张浦镇工会")])

    assert errors_of(result) == []
    assert Disbursement.objects.get().fund == town


def test_auditors_cannot_import(city_auditor, person, fund):
    with pytest.raises(PermissionDenied) as error:
        run(city_auditor, [row(person)])

    assert str(error.value) == "您没有导入发放记录的权限。"


def test_a_payment_under_an_agreement_is_linked_to_its_beneficiary(kunshan_clerk, person, fund):
    agreement = AgreementFactory(number="KS-2007-09", unit=person.unit.parent)
    beneficiary = BeneficiaryFactory(agreement=agreement, case=person)

    result = run(kunshan_clerk, [row(person, 结对协议编号="KS-2007-09")])

    assert errors_of(result) == []
    assert AgreementPayment.objects.get().beneficiary == beneficiary


def test_cash_under_an_agreement_without_a_fund_was_paid_by_the_sponsor(
    kunshan_clerk, person, fund
):
    sponsor = SponsorFactory(name="中国农业银行昆山支行", unit=person.unit.parent)
    agreement = AgreementFactory(number="KS-2007-10", unit=person.unit.parent, sponsor=sponsor)
    BeneficiaryFactory(agreement=agreement, case=person)

    result = run(kunshan_clerk, [row(person, 结对协议编号="KS-2007-10", 资金来源="")])

    assert errors_of(result) == []
    paid = Disbursement.objects.get()
    assert (paid.fund, paid.paid_directly_by, paid.ledger_entry) == (None, sponsor.name, None)
    fund.refresh_from_db()
    assert fund.balance == Decimal("1000.00")


def test_a_payment_under_an_agreement_for_someone_it_does_not_name_is_refused(
    kunshan_clerk, person, fund
):
    AgreementFactory(number="KS-2007-11", unit=person.unit.parent)

    result = run(kunshan_clerk, [row(person, 结对协议编号="KS-2007-11")])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(2, "身份证号")]


def test_export_masks_ids_for_auditors_and_reimports_unchanged(
    kunshan_clerk, city_auditor, person, fund
):
    agreement = AgreementFactory(number="KS-2007-12", unit=person.unit.parent)
    BeneficiaryFactory(agreement=agreement, case=person)
    rows = [
        row(person, 备注="=HYPERLINK()"),
        row(
            person,
            发放类别="物资",
            **{"金额（元）": ""},
            物资名称="棉被",
            数量="1",
            **{"单价（元）": "100"},
        ),
        row(person, 发放类别="困难补助", 结对协议编号="KS-2007-12"),
    ]
    assert errors_of(run(kunshan_clerk, rows)) == []

    data, exported = export_sheet(PairedDisbursementResource, kunshan_clerk, "out.xlsx")
    _data, masked = export_sheet(PairedDisbursementResource, city_auditor, "out.csv")

    assert [r["身份证号"] for r in exported] == [person.id_number] * 3
    assert {r["身份证号"] for r in masked} == {
        person.id_number[:6] + "********" + person.id_number[-4:]
    }
    assert [r["结对协议编号"] for r in exported] == ["", "", "KS-2007-12"]
    assert exported[0]["备注"] == "'=HYPERLINK()"
    again = PairedDisbursementResource(user=kunshan_clerk).import_sheet(
        read_sheet(data, "out.xlsx"), file_name="out.xlsx"
    )
    assert (errors_of(again), again.summary()) == ([], "新增 0，更新 0，未变 3")


def test_export_leaves_out_reversed_payments_and_other_districts(
    kunshan_clerk, kunshan_head, person, fund, units
):
    from funds.services import entry_reverse

    run(kunshan_clerk, [row(person), row(person, 发放类别="困难补助")])
    first = Disbursement.objects.order_by("pk").first()
    entry_reverse(entry=first.ledger_entry, reason="重复发放", acting_user=kunshan_head)
    wuzhong = CaseFactory(unit=units["木渎镇工会"], status=CaseStatus.VERIFIED)
    wuzhong_fund = FundFactory(unit=units["吴中区总工会"], opening=Decimal("100"))
    from tests.funds.factories import pay_cash

    pay_cash(
        case=wuzhong, fund=wuzhong_fund, amount=Decimal("50"), acting_user=wuzhong_fund_user(units)
    )

    _data, exported = export_sheet(PairedDisbursementResource, kunshan_clerk)

    assert [r["发放类别"] for r in exported] == ["困难补助"]


def wuzhong_fund_user(units):
    from unions.models import User

    return User.objects.get(username="wuzhong_clerk")
