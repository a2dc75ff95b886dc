"""Files as Chinese Excel saves them: .xlsx with real cells, CSV in UTF-8 or GB18030."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from cases.idnumbers import MESSAGES
from cases.models import Case
from cases.resources import CaseResource
from sheets import SheetCSV, SheetFileError, read_sheet
from tests.sheets.helpers import (
    KUNSHAN_ID,
    LEGACY_ID_CONVERTED,
    case_row,
    csv_bytes,
    errors_of,
    import_rows,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings(kunshan_clerk, encoding):
    rows = [case_row(致困原因="因病、子女就学", 家庭住址="昆山市玉山镇")]

    result = import_rows(kunshan_clerk, rows, encoding=encoding)

    assert errors_of(result) == []
    case = Case.objects.get()
    assert (case.name, case.address) == ("顾小妹", "昆山市玉山镇")
    assert sorted(case.causes.values_list("name", flat=True)) == ["因病", "子女就学"]


def test_gb18030_file_bytes_are_not_utf8():
    # The fixture really is what Chinese Excel writes, not UTF-8 in disguise.
    data = csv_bytes([case_row()], encoding="gb18030")

    with pytest.raises(UnicodeDecodeError) as error:
        data.decode("utf-8")

    # 0xD0 opens a two-byte UTF-8 sequence; GB18030's second byte cannot continue it.
    assert (error.value.start, error.value.reason) == (0, "invalid continuation byte")


def test_xlsx_with_real_date_and_number_cells(kunshan_clerk):
    row = case_row(
        出生日期=datetime.date(1980, 1, 1),
        建档日期=datetime.datetime(2007, 2, 7, 0, 0),
        家庭人口=3,
        **{"家庭月人均收入（元）": 1000.5},
        联系电话=13912345678,
    )

    result = import_rows(kunshan_clerk, [row], fmt="xlsx")

    assert errors_of(result) == []
    case = Case.objects.get()
    assert case.registered_on == datetime.date(2007, 2, 7)
    assert (case.household_size, case.monthly_income_per_capita) == (3, Decimal("1000.50"))
    assert case.phone == "13912345678"


def test_xlsx_id_number_in_a_number_cell_is_refused(kunshan_clerk):
    row = case_row(身份证号=320583198001010180)  # Excel keeps 15 digits: 3.20583198001010E+17

    result = import_rows(kunshan_clerk, [row], fmt="xlsx")

    assert errors_of(result) == [(2, "身份证号", str(MESSAGES["scientific"]))]


def test_xlsx_legacy_id_in_a_number_cell_is_exact(kunshan_clerk):
    row = case_row(身份证号=320583750615001, 性别="男")

    result = import_rows(kunshan_clerk, [row], fmt="xlsx")

    assert errors_of(result) == []
    assert Case.objects.get().id_number == LEGACY_ID_CONVERTED


def test_xlsx_row_numbers_are_excel_row_numbers(kunshan_clerk):
    rows = [case_row(身份证号=KUNSHAN_ID), {}, case_row(身份证号="123")]

    result = import_rows(kunshan_clerk, rows, fmt="xlsx", leading_blank_rows=2)

    # Header on row 3, data on rows 4 and 6 (row 5 is blank).
    assert errors_of(result) == [(6, "身份证号", str(MESSAGES["length"]))]


def test_only_xlsx_xls_and_csv_are_read():
    with pytest.raises(SheetFileError) as error:
        read_sheet(b"whatever", "cases.ods")

    assert str(error.value) == "只能导入 .xlsx、.xls 或 .csv 文件。"


def test_a_file_named_xls_that_is_no_workbook_is_refused_as_an_xls():
    with pytest.raises(SheetFileError) as error:
        read_sheet(b"whatever", "cases.xls")

    assert (
        str(error.value) == "无法读取该 .xls 文件：请在 Excel 中重新保存，或另存为 .xlsx 工作簿。"
    )


def test_an_empty_file_is_refused():
    with pytest.raises(SheetFileError) as error:
        read_sheet(b"\xef\xbb\xbf\r\n,,\r\n", "cases.csv")

    assert str(error.value) == _("The file is empty: the first row must hold the column headers.")


def test_a_broken_xlsx_is_refused():
    with pytest.raises(SheetFileError) as error:
        read_sheet(b"PK\x03\x04 not really a zip", "cases.xlsx")

    assert str(error.value) == "无法读取该文件：请另存为 Excel .xlsx 工作簿。"


def test_admin_import_format_keeps_the_gb18030_csv_and_row_numbers(kunshan_clerk):
    # The admin's ImportMixin reads with a Format, then calls import_data(dry_run=True).
    data = csv_bytes([case_row(), {}, case_row(身份证号="123")], encoding="gb18030")
    dataset = SheetCSV().create_dataset(data)

    result = CaseResource().import_data(
        dataset, dry_run=True, user=kunshan_clerk, file_name="cases.csv"
    )

    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [4]
    assert list(result.invalid_rows[0].field_specific_errors) == ["身份证号"]
    assert Case.objects.count() == 0


def test_a_widget_refuses_an_argument_it_does_not_know():
    from sheets import TextWidget

    with pytest.raises(TypeError, match="TextWidget got unexpected arguments: max_lenght"):
        TextWidget(max_lenght=40)
