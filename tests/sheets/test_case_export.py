"""Export: the import's columns, scope, masking, formula escaping, and a clean round trip."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from cases.models import Case, CaseStatus, Category
from cases.resources import CaseResource
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.sheets.helpers import EXPORT_HEADERS, KUNSHAN_ID, WUZHONG_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported_case(units):
    """A 张浦镇工会 case with every exported column filled and a fixed ID number (the shared
    ``kunshan_case`` leaves columns to the factory), so the rows below can be spelled out."""
    case = CaseFactory(
        id_number=KUNSHAN_ID,
        name="顾小妹",
        unit=units["张浦镇工会"],
        monthly_income_per_capita=Decimal("1000.50"),
        phone="0512-57123456",
        address="张浦镇（东）1号",
        registered_on=datetime.date(2007, 2, 7),
        notes="第一行\n第二行",
        hardship_type="deep",
        annual_household_income=Decimal("36018.00"),
        annual_rigid_expenses=Decimal("0"),
    )
    case.causes.set(case.causes.model.objects.filter(name__in=["因病", "子女就学"]))
    return case


def export(user, file_name="cases.csv", **filters) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = CaseResource(user=user).write_export(buffer, file_name, **filters)
    return buffer.getvalue(), count


def exported_rows(user, file_name="cases.csv", **filters) -> list[list]:
    data, _count = export(user, file_name, **filters)
    sheet = read_sheet(data, file_name)
    assert sheet.headers == EXPORT_HEADERS
    return [list(cells) for _number, cells in sheet.rows]


def test_csv_export_columns_and_values(kunshan_clerk, exported_case):
    data, count = export(kunshan_clerk)

    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Chinese Excel reads UTF-8
    assert count == 1
    assert exported_rows(kunshan_clerk) == [
        [
            "顾小妹",
            KUNSHAN_ID,
            "女",
            "1980-01-01",
            "张浦镇工会",
            "",
            "困难职工",
            "因病、子女就学",
            "3",
            "1000.50",
            "0512-57123456",
            "张浦镇（东）1号",
            "2007-02-07",
            "待审核",
            "",
            "第一行\n第二行",
            "深度困难",
            "36018.00",
            "0.00",
        ]
    ]


def test_xlsx_export_has_real_dates_numbers_and_text_ids(kunshan_clerk, exported_case):
    data, _count = export(kunshan_clerk, "cases.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header, row = list(sheet.values)
    assert list(header) == EXPORT_HEADERS
    assert row[1] == KUNSHAN_ID
    assert row[12] == datetime.datetime(2007, 2, 7)
    assert row[9] == 1000.5 and sheet["J2"].number_format == "0.00"
    assert sheet.column_dimensions["B"].width > 14  # the ID column is wide and formatted as text


def test_ids_are_masked_for_the_city_auditor(city_auditor, exported_case):
    (row,) = exported_rows(city_auditor)

    assert row[1] == "320583********018X"
    # The masked digits are the birth date: the 出生日期 column must not give them back.
    assert row[3] == ""


def test_clerks_see_full_ids(kunshan_clerk, exported_case):
    (row,) = exported_rows(kunshan_clerk)

    assert row[1] == KUNSHAN_ID


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)"])
@pytest.mark.parametrize("file_name", ["cases.csv", "cases.xlsx"])
def test_formula_cells_are_escaped_and_come_back_unchanged(kunshan_clerk, units, text, file_name):
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"], notes=text, employer=text)

    data, _count = export(kunshan_clerk, file_name)

    if file_name.endswith(".csv"):
        cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    else:
        cells = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)[1]
    assert (cells[5], cells[15]) == (f"'{text}", f"'{text}")
    result = CaseResource(user=kunshan_clerk).import_sheet(read_sheet(data, file_name))
    assert result.summary() == "新增 0，更新 0，未变 1"


@pytest.mark.parametrize("file_name", ["cases.csv", "cases.xlsx"])
def test_an_export_reimports_unchanged(kunshan_head, units, file_name):
    CaseFactory.create_batch(3, unit=units["陆家镇工会"])
    CaseFactory(unit=units["昆山市总工会"], status=CaseStatus.VERIFIED, phone="13912345678")
    CaseFactory(
        unit=units["巴城镇工会"],
        status=CaseStatus.LONG_TERM,
        certificate_number="苏工救字2007第1号",
        monthly_income_per_capita=Decimal("0.10"),
        category=Category.RETIREE,
    )
    data, count = export(kunshan_head, file_name)

    result = CaseResource(user=kunshan_head).import_sheet(read_sheet(data, file_name))

    assert count == 5
    assert [str(e) for e in result.errors] == []
    assert result.summary() == "新增 0，更新 0，未变 5"


def test_export_filters(kunshan_clerk, units):
    CaseFactory(unit=units["张浦镇工会"], name="张浦在档", status=CaseStatus.VERIFIED)
    CaseFactory(unit=units["陆家镇工会"], name="陆家待审", category=Category.RETIREE)
    CaseFactory(unit=units["昆山市总工会"], name="昆山待审")

    def names(**filters):
        return sorted(row[0] for row in exported_rows(kunshan_clerk, **filters))

    assert names(status="在档") == ["张浦在档"]
    assert names(category="困难离退休职工") == ["陆家待审"]
    assert names(unit="张浦镇工会") == ["张浦在档"]
    assert names(unit="昆山市总工会") == ["张浦在档", "昆山待审", "陆家待审"]


def test_export_filter_outside_scope_is_refused(kunshan_clerk, units):
    with pytest.raises(ValueError) as error:
        export(kunshan_clerk, unit="吴中区总工会")

    assert str(error.value) == "所属工会: 工会「吴中区总工会」不存在，或不在您的管辖范围内。"


def test_export_is_in_scope(wuzhong_clerk, units):
    CaseFactory(id_number=WUZHONG_ID, unit=units["甪直镇工会"])
    CaseFactory(id_number=KUNSHAN_ID, unit=units["昆山市总工会"])

    assert [row[1] for row in exported_rows(wuzhong_clerk)] == [WUZHONG_ID]


def test_export_is_recorded_in_the_admin_log(city_auditor, exported_case):
    from django.contrib.admin.models import LogEntry

    export(city_auditor, "审计.xlsx")

    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_repr) == (city_auditor, "审计.xlsx")
    assert entry.content_type.model_class() is Case


def test_admin_formats_round_trip_the_same_sheet(kunshan_clerk, city_auditor, exported_case):
    from sheets import SheetCSV, SheetXLSX

    for file_format in (SheetXLSX(), SheetCSV()):
        buffer = io.BytesIO()
        name = f"cases.{file_format.get_extension()}"
        CaseResource(user=kunshan_clerk).write_export(buffer, name)
        dataset = file_format.create_dataset(buffer.getvalue())

        result = CaseResource().import_data(dataset, dry_run=True, user=kunshan_clerk)

        assert dataset.headers == EXPORT_HEADERS
        assert result.summary() == "新增 0，更新 0，未变 1"
    buffer = io.BytesIO()
    CaseResource(user=city_auditor).write_export(buffer, "cases.csv")
    masked = [cells for _number, cells in read_sheet(buffer.getvalue(), "cases.csv").rows]
    assert masked[0][1] == "320583********018X"
