"""Every refusal of spreadsheets.md for 困难职工档案: row number, column and reason."""

import datetime

import pytest
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.idnumbers import MESSAGES
from cases.models import Case, CaseStatus
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import (
    BAD_CHECKSUM_ID,
    IMPOSSIBLE_BIRTH_ID,
    KUNSHAN_ID,
    WUZHONG_ID,
    case_row,
    errors_of,
    import_rows,
)

pytestmark = pytest.mark.django_db

CATEGORIES = (
    "困难职工、特困职工、困难劳模、困难工会干部、困难离退休职工、"
    "困难农民工、老复员军人、伤残军人、低保户"
)


def required() -> str:
    return str(forms.Field.default_error_messages["required"])


CAUSES = "因病、因残、因灾、子女就学、失业下岗、单亲、企业困难、维权受损、其他"


def refused(user, **cells) -> list[tuple[int | None, str, str]]:
    result = import_rows(user, [case_row(**cells)])
    assert Case.objects.count() == 0
    return errors_of(result)


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"身份证号": BAD_CHECKSUM_ID}, "身份证号", lambda: str(MESSAGES["checksum"])),
        ({"身份证号": IMPOSSIBLE_BIRTH_ID}, "身份证号", lambda: str(MESSAGES["birth_date"])),
        ({"身份证号": "3.20583E+17"}, "身份证号", lambda: str(MESSAGES["scientific"])),
        ({"身份证号": "3.20583198001011E+17"}, "身份证号", lambda: str(MESSAGES["scientific"])),
        ({"身份证号": "3205831980"}, "身份证号", lambda: str(MESSAGES["length"])),
        (
            {"性别": "男"},
            "性别",
            lambda: _("Does not match the ID number, which says %(gender)s.") % {"gender": "女"},
        ),
        (
            {"出生日期": "1980-01-02"},
            "出生日期",
            lambda: (
                _("Does not match the ID number, which says %(date)s.") % {"date": "1980-01-01"}
            ),
        ),
        (
            {"困难类别": "困难户"},
            "困难类别",
            lambda: (
                _("Unknown category %(value)s: choose one of %(choices)s.")
                % {"value": "困难户", "choices": CATEGORIES}
            ),
        ),
        (
            {"致困原因": "因病、生病"},
            "致困原因",
            lambda: (
                _("Unknown cause of hardship %(value)s: choose from %(choices)s.")
                % {"value": "生病", "choices": CAUSES}
            ),
        ),
        (
            {"所属工会": "昆山市工会"},
            "所属工会",
            lambda: (
                _("Unknown union unit, or outside your scope: %(value)s.")
                % {"value": "昆山市工会"}
            ),
        ),
        (
            {"家庭月人均收入（元）": "-5"},
            "家庭月人均收入（元）",
            lambda: _("The amount cannot be negative."),
        ),
        (
            {"家庭月人均收入（元）": "八百"},
            "家庭月人均收入（元）",
            lambda: _("Not an amount: enter a number such as 800 or 800.50."),
        ),
        (
            {"家庭人口": "0"},
            "家庭人口",
            lambda: _("Must be at least %(minimum)d.") % {"minimum": 1},
        ),
        (
            {"家庭人口": "3人"},
            "家庭人口",
            lambda: _("Not a whole number: enter digits only, such as 3."),
        ),
        ({"建档日期": "昨天"}, "建档日期", lambda: _("Not a date: enter it as 2007-02-07.")),
        (
            {"建档日期": "2007-13-01"},
            "建档日期",
            lambda: _("This date does not exist: check the month and day."),
        ),
        ({"姓名": ""}, "姓名", required),
        ({"困难类别": " "}, "困难类别", required),
        (
            {"姓名": "顾" * 51},
            "姓名",
            lambda: MaxLengthValidator(50).message % {"limit_value": 50, "show_value": 51},
        ),
    ],
)
def test_refused_cell(kunshan_clerk, cells, column, reason):
    assert refused(kunshan_clerk, **cells) == [(2, column, reason())]


PHONE_REASON = (
    "Not a phone number: enter a mobile number of 11 digits or a landline such as 0512-12345678."
)


@pytest.mark.parametrize(
    "typed", ["12345", "1391234567", "139123456789", "23912345678", "0512-123", "電話", "5123456"]
)
def test_bad_phone_format(kunshan_clerk, typed):
    assert refused(kunshan_clerk, 联系电话=typed) == [(2, "联系电话", _(PHONE_REASON))]


def test_every_error_of_a_row_is_reported_in_column_order(kunshan_clerk):
    errors = refused(
        kunshan_clerk, 姓名="", 困难类别="困难户", 家庭人口="0", 联系电话="123", 建档日期="昨天"
    )

    assert [(row, column) for row, column, _reason in errors] == [
        (2, "姓名"),
        (2, "困难类别"),
        (2, "家庭人口"),
        (2, "联系电话"),
        (2, "建档日期"),
    ]


def test_rule_errors_are_reported_beside_cell_errors(kunshan_clerk):
    errors = refused(kunshan_clerk, 性别="男", 联系电话="123")

    assert [column for _row, column, _reason in errors] == ["性别", "联系电话"]


def test_id_on_file_in_another_unit(kunshan_clerk, units):
    CaseFactory(id_number=WUZHONG_ID, unit=units["木渎镇工会"])

    result = import_rows(kunshan_clerk, [case_row(身份证号=WUZHONG_ID)])

    assert errors_of(result) == [
        (2, "身份证号", _("This person is already on file at %(unit)s.") % {"unit": "木渎镇工会"})
    ]


def test_the_same_id_twice_in_one_file_names_both_rows(kunshan_clerk):
    result = import_rows(
        kunshan_clerk, [case_row(), case_row(姓名="王近"), case_row(身份证号=KUNSHAN_ID.lower())]
    )

    message = _("The same %(column)s as row %(other)d: each may appear only once.")
    assert errors_of(result) == [
        (3, "身份证号", message % {"column": "身份证号", "other": 2}),
        (4, "身份证号", message % {"column": "身份证号", "other": 2}),
    ]
    assert Case.objects.count() == 0


# --- 档案状态 and 救助证号 -------------------------------------------------------------


@pytest.mark.parametrize("status", ["在档", "已脱困", "长期救助"])
def test_only_an_approver_may_set_a_status_beyond_pending(kunshan_clerk, status):
    errors = refused(kunshan_clerk, 档案状态=status, 救助证号="苏工救字2007第1号")

    assert (2, "档案状态", _("Only an approver may set the status to %(status)s.") % {
        "status": status
    }) in errors  # fmt: skip


def test_an_approver_may_set_on_file(kunshan_head):
    result = import_rows(kunshan_head, [case_row(档案状态="在档")])

    assert errors_of(result) == []
    case = Case.objects.get()
    assert (case.status, case.verified_by) == (CaseStatus.VERIFIED, kunshan_head)
    assert case.verified_on is not None


def test_a_clerk_may_not_change_the_status_of_a_case_on_file(kunshan_clerk, units):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], status=CaseStatus.PENDING)

    result = import_rows(kunshan_clerk, [case_row(档案状态="在档")])

    assert [column for _row, column, _reason in errors_of(result)] == ["档案状态"]
    assert Case.objects.get().status == CaseStatus.PENDING


def test_a_clerk_may_reopen_an_exited_case(kunshan_clerk, kunshan_head, units):
    CaseFactory(
        id_number=KUNSHAN_ID,
        unit=units["昆山市总工会"],
        status=CaseStatus.EXITED,
        verified_by=kunshan_head,
        verified_on=datetime.date(2007, 1, 5),
        exited_on=datetime.date(2008, 1, 5),
        exit_reason="重新就业",
    )

    result = import_rows(kunshan_clerk, [case_row(档案状态="待审核")])

    assert errors_of(result) == []
    case = Case.objects.get()
    # As cases.services.case_reopen: pending again, to be verified afresh.
    assert (case.status, case.exited_on, case.exit_reason) == (CaseStatus.PENDING, None, "")
    assert (case.verified_on, case.verified_by) == (None, None)


def test_an_approver_putting_an_exited_case_back_on_file_verifies_it(kunshan_head, units):
    CaseFactory(
        id_number=KUNSHAN_ID,
        unit=units["昆山市总工会"],
        status=CaseStatus.EXITED,
        verified_on=datetime.date(2007, 1, 5),
        exited_on=datetime.date(2008, 1, 5),
        exit_reason="重新就业",
    )

    result = import_rows(kunshan_head, [case_row(档案状态="在档")])

    assert errors_of(result) == []
    case = Case.objects.get()
    assert (case.status, case.exited_on, case.verified_by) == (
        CaseStatus.VERIFIED,
        None,
        kunshan_head,
    )
    assert case.verified_on == timezone.localdate()


def test_a_clerk_may_reimport_a_case_already_on_file_unchanged(kunshan_clerk, units):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], status=CaseStatus.VERIFIED)

    result = import_rows(kunshan_clerk, [case_row(档案状态="在档", 姓名="顾小妹")])

    assert errors_of(result) == []


def test_long_term_aid_needs_a_certificate_number(kunshan_head):
    result = import_rows(kunshan_head, [case_row(档案状态="长期救助")])

    assert errors_of(result) == [
        (2, "救助证号", _("Long-term aid needs an aid certificate number."))
    ]


def test_a_certificate_number_only_with_long_term_aid(kunshan_head):
    result = import_rows(kunshan_head, [case_row(档案状态="在档", 救助证号="苏工救字2007第1号")])

    assert errors_of(result) == [
        (2, "救助证号", _("Only a case on long-term aid has a certificate."))
    ]


def test_long_term_aid_with_a_certificate(kunshan_head):
    result = import_rows(
        kunshan_head, [case_row(档案状态="长期救助", 救助证号="苏工救字2007第1号")]
    )

    assert errors_of(result) == []
    assert Case.objects.get().certificate_number == "苏工救字2007第1号"


# --- the file's columns -----------------------------------------------------------------


def test_unknown_header_is_reported_and_nothing_is_read(kunshan_clerk):
    headers = ["姓名", "身份证号", "所属工会", "困难类别", "电话号码"]

    result = import_rows(kunshan_clerk, [case_row(电话号码="13912345678")], headers=headers)

    assert [(row, column) for row, column, _reason in errors_of(result)] == [(1, "电话号码")]
    assert Case.objects.count() == 0


def test_a_missing_required_column_is_reported_once(kunshan_clerk):
    headers = ["姓名", "所属工会", "困难类别"]

    result = import_rows(kunshan_clerk, [case_row(), case_row(), case_row()], headers=headers)

    assert errors_of(result) == [(1, "身份证号", _("This required column is missing."))]


def test_a_column_given_twice(kunshan_clerk):
    headers = ["姓名", "身份证号", "所属工会", "困难类别", "name"]

    result = import_rows(kunshan_clerk, [case_row()], headers=headers)

    assert errors_of(result) == [(1, "姓名", _("This column appears twice."))]
