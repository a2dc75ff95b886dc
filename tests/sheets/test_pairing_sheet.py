"""The pairing sheet (结对协议): one row per agreement and beneficiary."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from cases.idnumbers import check_digit
from cases.models import CaseStatus
from pairings.models import Agreement, AgreementKind, AgreementStatus, Beneficiary, Sponsor
from pairings.resources import AgreementResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory, HouseholdMemberFactory
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory, SponsorFactory
from tests.sheets.helpers import errors_of, export_sheet, import_sheet

pytestmark = pytest.mark.django_db

HEADERS = [
    "协议编号",
    "结对方",
    "结对方类型",
    "结对类型",
    "签约工会",
    "帮扶对象身份证号",
    "帮扶标准（元）",
    "周期",
    "开始日期",
    "结束日期",
    "状态",
]
AMOUNT = "帮扶标准（元）"
CHILD_ID = "32058320000101001" + check_digit("32058320000101001")
ID = "帮扶对象身份证号"


@pytest.fixture
def workers(units):
    return [
        CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED, name=f"职工{i}")
        for i in range(3)
    ]


def row(person, **cells):
    values = {
        "协议编号": "KS-2007-01",
        "结对方": "中国农业银行昆山支行",
        "结对方类型": "单位",
        "结对类型": "帮困",
        "签约工会": "昆山市总工会",
        ID: person.id_number,
        AMOUNT: "1,200元",
        "周期": "每年",
        "开始日期": "2007/1/1",
        "结束日期": "2030年12月31日",
        "状态": "生效",
    }
    values.update(cells)
    return values


def merged(person):
    """A row below the first of its agreement, as merged cells read: only the person."""
    return {"协议编号": "KS-2007-01", ID: person.id_number}


def run(user, rows, **kwargs):
    return import_sheet(AgreementResource, user, rows, HEADERS, **kwargs)


def test_rows_with_one_number_make_one_agreement_with_a_new_sponsor(kunshan_clerk, workers):
    result = run(kunshan_clerk, [row(workers[0]), merged(workers[1])])

    assert (errors_of(result), result.summary()) == ([], "新增 2，更新 0，未变 0")
    agreement = Agreement.objects.get()
    assert (agreement.number, agreement.amount, agreement.status, agreement.end) == (
        "KS-2007-01",
        Decimal("1200.00"),
        AgreementStatus.ACTIVE,
        datetime.date(2030, 12, 31),
    )
    assert {b.case for b in agreement.beneficiaries.all()} == set(workers[:2])
    sponsor = Sponsor.objects.get()
    assert (sponsor.name, sponsor.unit.name) == ("中国农业银行昆山支行", "昆山市总工会")
    assert agreement.history.get().history_user == kunshan_clerk


def test_importing_the_same_file_again_changes_nothing(kunshan_clerk, workers):
    rows = [row(workers[0]), merged(workers[1])]
    run(kunshan_clerk, rows)

    result = run(kunshan_clerk, rows, fmt="xlsx")

    assert (errors_of(result), result.summary()) == ([], "新增 0，更新 0，未变 2")
    assert (Agreement.objects.count(), Beneficiary.objects.count(), Sponsor.objects.count()) == (
        1,
        2,
        1,
    )


def test_new_terms_update_the_agreement_and_a_new_row_adds_a_beneficiary(kunshan_clerk, workers):
    run(kunshan_clerk, [row(workers[0])])

    result = run(
        kunshan_clerk,
        [row(workers[0], **{AMOUNT: "1500"}), merged(workers[2])],
        dry_run=True,
        with_diff=True,
    )
    assert result.summary() == "新增 1，更新 1，未变 0"
    assert "<del>1,200.00</del> <ins>1,500.00</ins>" in str(result.rows[0].diff)
    assert Agreement.objects.get().amount == Decimal("1200.00")  # a dry run

    result = run(kunshan_clerk, [row(workers[0], **{AMOUNT: "1500"}), merged(workers[2])])

    assert errors_of(result) == []
    agreement = Agreement.objects.get()
    assert agreement.amount == Decimal("1500.00")
    assert [h.history_type for h in agreement.history.order_by("history_id")] == ["+", "~"]
    assert agreement.beneficiaries.count() == 2


def test_a_row_that_contradicts_the_first_row_of_its_agreement_is_refused(kunshan_clerk, workers):
    result = run(kunshan_clerk, [row(workers[0]), row(workers[1], 周期="每月")])

    [(number, column, message)] = errors_of(result)
    assert (number, column) == (3, "周期") and "2" in message
    assert Agreement.objects.count() == 0


def test_a_number_used_by_another_district_is_refused_without_naming_it(
    kunshan_clerk, units, workers
):
    AgreementFactory(number="KS-2007-01", unit=units["金阊区总工会"])

    result = run(kunshan_clerk, [row(workers[0])])

    [(_n, column, message)] = errors_of(result)
    assert column == "协议编号" and "金阊" not in message


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"状态": "终止"}, "状态"),
        ({"状态": "到期"}, "状态"),  # ends in 2030
        ({"结束日期": "2006-12-31"}, "结束日期"),
        ({AMOUNT: "0"}, AMOUNT),
        ({"周期": "每周"}, "周期"),
        ({"结对方类型": ""}, "结对方类型"),  # a new sponsor needs its kind
        ({"签约工会": "吴中区总工会"}, "签约工会"),
        ({"周期": ""}, "周期"),
    ],
)
def test_each_refusal_is_named(kunshan_clerk, workers, cells, column):
    result = run(kunshan_clerk, [row(workers[0], **cells)])

    assert [(n, c) for n, c, _m in errors_of(result)] == [(2, column)]
    assert (Agreement.objects.count(), Sponsor.objects.count()) == (0, 0)


def test_a_beneficiary_of_another_district_looks_like_no_one(kunshan_clerk, units, workers):
    wuzhong = CaseFactory(unit=units["木渎镇工会"], status=CaseStatus.VERIFIED)

    result = run(kunshan_clerk, [row(workers[0]), merged(wuzhong)])

    refusal = gettext("No one with this ID number is on file in your units.")
    assert errors_of(result) == [(3, ID, refusal)]


def test_an_agreement_past_its_end_imports_as_expired(kunshan_clerk, workers):
    result = run(kunshan_clerk, [row(workers[0], 结束日期="2009-07-31", 状态="到期")])

    assert errors_of(result) == []
    agreement = Agreement.objects.get()
    assert (agreement.status, agreement.effective_status) == (
        AgreementStatus.ACTIVE,
        AgreementStatus.EXPIRED,
    )


def test_a_student_pairing_names_the_child_by_id(kunshan_clerk, workers):
    child = HouseholdMemberFactory(case=workers[0], id_number=CHILD_ID)
    student_row = row(workers[0], 结对类型="助学", **{ID: child.id_number})

    refused = run(kunshan_clerk, [row(workers[0], 结对类型="助学")])
    result = run(kunshan_clerk, [student_row])

    assert [(n, c) for n, c, _m in errors_of(refused)] == [(2, ID)]
    assert errors_of(result) == []
    beneficiary = Beneficiary.objects.get()
    assert (beneficiary.case, beneficiary.student) == (workers[0], child)
    assert Agreement.objects.get().kind == AgreementKind.STUDENT


def test_an_agreement_with_a_public_sponsor_uses_the_directory(kunshan_clerk, units, workers):
    bank = SponsorFactory(name="中国农业银行苏州分行", unit=units["金阊区总工会"])

    result = run(kunshan_clerk, [row(workers[0], 结对方="中国农业银行苏州分行")])

    assert errors_of(result) == []
    assert Agreement.objects.get().sponsor == bank


def test_auditors_cannot_import(city_auditor, workers):
    with pytest.raises(PermissionDenied) as error:
        run(city_auditor, [row(workers[0])])

    assert str(error.value) == "您没有导入结对协议的权限。"


def test_the_export_masks_ids_for_auditors_and_reimports_unchanged(
    kunshan_clerk, city_auditor, units, workers
):
    child = HouseholdMemberFactory(case=workers[1], id_number=CHILD_ID)
    nameless_child = HouseholdMemberFactory(case=workers[2])
    run(kunshan_clerk, [row(workers[0]), merged(workers[1])])
    pupils = AgreementFactory(number="KS-ZX-01", unit=units["昆山市总工会"], kind="student")
    BeneficiaryFactory(agreement=pupils, case=workers[1], student=child)
    BeneficiaryFactory(agreement=pupils, case=workers[2], student=nameless_child)
    AgreementFactory(number="JC-01", unit=units["金阊区总工会"])

    data, exported = export_sheet(AgreementResource, kunshan_clerk, "pairings.xlsx")
    _data, masked = export_sheet(AgreementResource, city_auditor)

    assert [(r["协议编号"], r[ID]) for r in exported] == [
        ("KS-2007-01", workers[0].id_number),
        ("KS-2007-01", workers[1].id_number),
        ("KS-ZX-01", child.id_number),
        ("KS-ZX-01", workers[2].id_number),  # a pupil without a number: the parent's
    ]
    assert all("********" in r[ID] for r in masked) and len(masked) == 4
    again = AgreementResource(user=kunshan_clerk).import_sheet(read_sheet(data, "pairings.xlsx"))
    assert (errors_of(again), again.summary()) == ([], "新增 0，更新 0，未变 4")
