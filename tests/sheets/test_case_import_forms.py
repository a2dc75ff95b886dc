"""Values as clerks really type them are accepted and stored canonically (spreadsheets.md)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus, Category
from tests.sheets.helpers import (
    KUNSHAN_ID,
    LEGACY_ID,
    LEGACY_ID_CONVERTED,
    case_row,
    errors_of,
    import_rows,
)

pytestmark = pytest.mark.django_db


def imported(user, **cells) -> Case:
    result = import_rows(user, [case_row(**cells)])
    assert errors_of(result) == []
    return Case.objects.get()


@pytest.mark.parametrize(
    "typed",
    [
        KUNSHAN_ID,
        "32058319800101018x",  # lower-case x
        "３２０５８３１９８００１０１０１８Ｘ",  # full-width digits and letter
        " 320583 19800101 018X ",  # spaces around and inside
        "320583\u300019800101018X",  # an ideographic space
    ],
)
def test_id_number_forms(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 身份证号=typed).id_number == KUNSHAN_ID


def test_legacy_15_digit_id_is_converted_to_18(kunshan_clerk):
    case = imported(kunshan_clerk, 身份证号=LEGACY_ID, 性别="男", 出生日期="1975-06-15")

    assert case.id_number == LEGACY_ID_CONVERTED


def test_name_and_text_are_stripped_but_keep_chinese_punctuation(kunshan_clerk):
    case = imported(kunshan_clerk, 姓名="  顾小妹 ", 家庭住址=" 玉山镇人民路（东）12号，3幢 ")

    assert (case.name, case.address) == ("顾小妹", "玉山镇人民路（东）12号，3幢")


@pytest.mark.parametrize("typed", ["女", " 女 ", "F", "female"])
def test_gender_matching_the_id(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 性别=typed).gender == "F"


@pytest.mark.parametrize(
    "typed",
    ["1980-01-01", "1980/1/1", "1980.1.1", "1980年1月1日", "19800101", "１９８０-０１-０１"],
)
def test_birth_date_forms_matching_the_id(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 出生日期=typed).birth_date == datetime.date(1980, 1, 1)


@pytest.mark.parametrize(
    "typed",
    ["2007-02-07", "2007/2/7", "2007.2.7", "2007年2月7日", "2007 年 2 月 7 日", "20070207"],
)
def test_registration_date_forms(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 建档日期=typed).registered_on == datetime.date(2007, 2, 7)


def test_registration_date_defaults_to_today(kunshan_clerk):
    assert imported(kunshan_clerk, 建档日期="").registered_on == timezone.localdate()


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("800", "800.00"),
        ("800.00", "800.00"),
        ("1,000", "1000.00"),
        ("1，000.50", "1000.50"),
        ("800元", "800.00"),
        ("￥800", "800.00"),
        ("¥800", "800.00"),
        (" ８００ ", "800.00"),
        ("0", "0.00"),
    ],
)
def test_money_forms(kunshan_clerk, typed, amount):
    case = imported(kunshan_clerk, **{"家庭月人均收入（元）": typed})

    assert case.monthly_income_per_capita == Decimal(amount)


@pytest.mark.parametrize(
    "typed",
    [
        "因病、因残",
        "因病，因残",
        "因病,因残",
        "因病；因残",
        "因病;因残",
        "因病 因残",
        "因病、 因残、",
        "illness、disability",
    ],
)
def test_cause_list_separators(kunshan_clerk, typed):
    case = imported(kunshan_clerk, 致困原因=typed)

    assert sorted(case.causes.values_list("name", flat=True)) == ["因残", "因病"]


@pytest.mark.parametrize("typed", ["3", "３", " 3 ", "3.0"])
def test_household_size_forms(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 家庭人口=typed).household_size == 3


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("0512-12345678", "0512-12345678"),
        ("0512 12345678", "0512-12345678"),
        ("051212345678", "0512-12345678"),
        ("(0512)12345678", "0512-12345678"),
        ("010-1234567", "010-1234567"),
    ],
)
def test_phone_forms(kunshan_clerk, typed, stored):
    assert imported(kunshan_clerk, 联系电话=typed).phone == stored


@pytest.mark.parametrize("typed", ["昆山市总工会", " 昆山市总工会 ", "KS", "ks"])
def test_unit_by_name_or_code(kunshan_clerk, units, typed):
    assert imported(kunshan_clerk, 所属工会=typed).unit == units["昆山市总工会"]


def test_a_town_below_the_clerks_unit_is_in_scope(kunshan_clerk, units):
    assert imported(kunshan_clerk, 所属工会="张浦镇工会").unit == units["张浦镇工会"]


@pytest.mark.parametrize(
    "typed", ["困难劳模", " 困难劳模", "model_worker", "model worker in hardship"]
)
def test_category_by_label_or_code(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 困难类别=typed).category == Category.MODEL_WORKER


@pytest.mark.parametrize("typed", ["", "待审核"])
def test_status_pending_or_blank(kunshan_clerk, typed):
    assert imported(kunshan_clerk, 档案状态=typed).status == CaseStatus.PENDING


def test_english_field_names_as_headers(kunshan_clerk):
    headers = ["name", "id_number", "unit", "category", "household_size"]
    row = {"name": "顾小妹", "id_number": KUNSHAN_ID, "unit": "KS", "category": "困难职工",
           "household_size": "2"}  # fmt: skip

    result = import_rows(kunshan_clerk, [row], headers=headers)

    assert errors_of(result) == []
    assert Case.objects.get().household_size == 2


def test_headers_with_spaces_and_half_width_brackets(kunshan_clerk):
    headers = [" 姓名", "身份证号 ", "所属工会", "困难类别", "家庭月人均收入(元)"]
    row = {" 姓名": "顾小妹", "身份证号 ": KUNSHAN_ID, "所属工会": "KS", "困难类别": "困难职工",
           "家庭月人均收入(元)": "500"}  # fmt: skip

    result = import_rows(kunshan_clerk, [row], headers=headers)

    assert errors_of(result) == []
    assert Case.objects.get().monthly_income_per_capita == Decimal("500.00")


def test_blank_rows_are_skipped(kunshan_clerk):
    result = import_rows(kunshan_clerk, [case_row(), {}, {"姓名": "  "}])

    assert (errors_of(result), result.summary()) == ([], "新增 1，更新 0，未变 0")
