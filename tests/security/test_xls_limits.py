"""Issue 13 part 1 for old .xls workbooks: measured (sheets.biff) before python-calamine,
which parses every sheet of an .xls on opening and reserves what the file declares, reads
them; refused with the .xlsx messages naming the limit. And an honest .xls case sheet
imports end to end, through the admin and through ``importsheet``.

The files are real BIFF8 compound files, written by tests.sheets.xls (calamine reads
them as it reads Excel's). The same hostile files through a real server and a real CLI
process, with a memory limit, are in test_hostile_processes.py."""

from __future__ import annotations

import datetime
import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from cases.models import Case
from cases.resources import CaseResource
from sheets import SheetFileError, read_sheet
from sheets.biff import check_xls, workbook_stream
from sheets.limits import sheet_limits
from tests.security.hostile import (
    far_cell_xls,
    label,
    many_sheets_xls,
    shared_string_bomb_xls,
)
from tests.sheets.helpers import HEADERS, case_row, ids
from tests.sheets.xls import case_xls, compound_file, record, xls_bytes
from tests.sheets.xls import workbook_stream as stream_of

ROWS_LIMIT = override_settings(RELIEF_SHEET_MAX_ROWS=50)
XLS = "2"  # the position of .xls in SheetAdminMixin.import_formats


def refusal(data: bytes, name: str = "cases.xls") -> str:
    with pytest.raises(SheetFileError) as refused:
        list(read_sheet(data, name).rows)
    return str(refused.value)


def case_rows(count: int) -> list[dict]:
    return [
        case_row(
            姓名=f"职工{n}",
            身份证号=number,
            建档日期=datetime.date(2024, 3, 1),
            家庭人口=3,
            家庭住址="昆山市玉山镇",
        )
        for n, number in enumerate(ids(count))
    ]


# --- an honest .xls imports, end to end ------------------------------------------------


def test_an_xls_case_sheet_is_read_with_its_dates_and_numbers():
    sheet = read_sheet(case_xls(case_rows(2), HEADERS), "cases.xls")
    rows = list(sheet.rows)

    assert sheet.headers == HEADERS
    assert [number for number, _cells in rows] == [2, 3]
    first = dict(zip(HEADERS, rows[0][1], strict=True))
    assert first["姓名"] == "职工0" and first["建档日期"] == datetime.date(2024, 3, 1)
    assert first["家庭人口"] == 3


@pytest.mark.django_db
def test_an_xls_case_sheet_imports_through_the_admin(client_for, kunshan_clerk):
    client = client_for(kunshan_clerk)
    data = case_xls(case_rows(3), HEADERS)

    preview = client.post(
        reverse("admin:cases_case_import"),
        {"format": "", "import_file": SimpleUploadedFile("困难职工.xls", data)},
    )
    assert preview.status_code == 200
    assert "新增 3，更新 0，未变 0" in preview.content.decode()
    form = preview.context["confirm_form"]
    assert form is not None and form["format"].value() == XLS  # chosen from the ending
    done = client.post(
        reverse("admin:cases_case_process_import"),
        {name: form[name].value() for name in form.fields},
        follow=True,
    )

    assert "新增 3，更新 0，未变 0" in done.content.decode()
    assert sorted(Case.objects.values_list("name", flat=True)) == ["职工0", "职工1", "职工2"]
    assert set(Case.objects.values_list("registered_on", flat=True)) == {datetime.date(2024, 3, 1)}


@pytest.mark.django_db
def test_an_xls_case_sheet_imports_through_importsheet(kunshan_clerk, tmp_path):
    path = tmp_path / "困难职工.xls"
    path.write_bytes(case_xls(case_rows(2), HEADERS))
    out = io.StringIO()

    call_command("importsheet", "cases", str(path), "--as", "kunshan_clerk", stdout=out)

    assert out.getvalue() == "新增 2，更新 0，未变 0\n"
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_an_xls_refusal_shows_on_the_admin_page(client_for, kunshan_clerk):
    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_import"),
        {"format": XLS, "import_file": SimpleUploadedFile("cases.xls", far_cell_xls())},
    )

    assert response.status_code == 200
    assert "表格声明的范围 A1:XFD1048576 超过 100,000 行、50 列的上限" in response.content.decode()
    assert not Case.objects.exists()


# --- the size of a sheet, before calamine ----------------------------------------------


def test_a_declared_dimension_past_the_limits_is_refused_before_calamine_reads_it():
    data = far_cell_xls()
    assert len(data) < 8 * 1024  # calamine would reserve 640 GiB for it

    assert refusal(data) == (
        "表格声明的范围 A1:XFD1048576 超过 100,000 行、50 列的上限：请把数据复制到新的"
        "工作簿中再保存。"
    )


def test_a_cell_past_the_column_limit_is_refused_by_its_column():
    data = xls_bytes([["姓名", "身份证号"]], extra_cells=[label(1, 60, "x")])

    assert refusal(data) == (
        "表格在 BI 列（第 61 列）有内容，超过 50 列的上限：请删除表格各列右边的内容。"
    )


def test_a_cell_at_the_last_row_and_column_of_the_format_is_refused():
    assert refusal(far_cell_xls(declared=False)) == (
        "表格在 CRXP 列（第 65,536 列）有内容，超过 50 列的上限：请删除表格各列右边的内容。"
    )


def test_a_cell_far_below_is_refused_by_its_row():
    with ROWS_LIMIT:
        message = refusal(xls_bytes([["姓名"]], extra_cells=[label(5000, 0, "x")]))

    assert message == (
        "表格在第 5,001 行有内容，超过表头以下 50 行的上限：请删除数据下方的内容，"
        "或把文件分开导入。"
    )


def test_rows_past_the_limit_are_refused_while_reading():
    rows = [["姓名", "身份证号"], *[[f"人{n}", number] for n, number in enumerate(ids(51))]]

    with ROWS_LIMIT:
        message = refusal(xls_bytes(rows))

    assert message == "表格在表头以下超过 50 行的上限：请分成几个较小的文件导入。"


def test_an_honest_workbook_at_the_limits_is_read():
    headers = [f"列{n}" for n in range(50)]
    rows = [headers, *[[f"{r}-{c}" for c in range(50)] for r in range(50)]]

    with ROWS_LIMIT:
        sheet = read_sheet(xls_bytes(rows), "wide.xls")
        read = list(sheet.rows)

    assert len(sheet.headers) == 50 and len(read) == 50 and read[-1][1][-1] == "49-49"


def test_every_sheet_is_measured_not_only_the_first():
    # calamine parses the second sheet on opening, although only the first is imported
    data = xls_bytes(sheets=[[["姓名"]], [["x"]]], dimensions=[None, (1048576, 16384)])

    assert refusal(data).startswith("表格声明的范围 A1:XFD1048576 超过")


def test_sheets_together_past_the_memory_budget_are_refused():
    # five sheets each reaching row 65,536 (the last of the format) and column 50, within
    # the limits: 131 MB of cells each in calamine, 655 MB together, over the 512 MB budget
    data = many_sheets_xls(5, 65535, 49)
    assert len(data) < 8 * 1024

    assert refusal(data) == (
        "工作簿各工作表的单元格合计超过 512 MB 的上限：请删除第一个工作表以外的工作表，"
        "或分成几个较小的文件。"
    )


def test_a_shared_string_repeated_into_gigabytes_is_refused():
    data = shared_string_bomb_xls(300, columns=40)  # 12,000 copies of 96 KB: 1.1 GB
    assert len(data) < 300 * 1024

    assert refusal(data) == (
        "表格各单元格重复引用的文字超过 512 MB 的上限：请在 Excel 中重新保存，"
        "或分成几个较小的文件。"
    )


@override_settings(RELIEF_SHEET_MAX_UNPACKED_BYTES=10 * 1024**2)
def test_shared_strings_an_honest_workbook_repeats_are_read():
    rows = [["姓名", "困难类别"], *[[f"人{n}", "困难职工"] for n in range(2000)]]

    assert len(list(read_sheet(xls_bytes(rows), "cases.xls").rows)) == 2000


# --- cells: refused per row, as in .xlsx and .csv -------------------------------------


@pytest.mark.django_db
def test_control_characters_and_long_cells_are_refused_per_row(kunshan_clerk):
    numbers = ids(3)
    rows = [
        case_row(姓名="顾\x00小妹", 身份证号=numbers[0]),
        case_row(姓名="李四", 身份证号=numbers[1], 备注="x" * 40_000),
        case_row(姓名="王大", 身份证号=numbers[2]),
    ]

    result = CaseResource(user=kunshan_clerk).import_sheet(
        read_sheet(case_xls(rows, HEADERS), "cases.xls"), dry_run=False
    )

    assert [str(error) for error in result.errors] == [
        "第2行 姓名: 含有无法保存的控制字符（U+0000）：请删除（在 Excel 中可用 CLEAN() 函数）。",
        "第3行 备注: 超过单元格 32,767 个字符的上限：请缩短内容。",
    ]
    assert not Case.objects.exists()


@pytest.mark.django_db
@override_settings(RELIEF_SHEET_MAX_CELL_CHARS=100)
def test_a_cell_over_a_configured_length_is_refused_with_the_limit(kunshan_clerk):
    rows = [case_row(家庭住址="昆山" * 51)]

    result = CaseResource(user=kunshan_clerk).import_sheet(
        read_sheet(case_xls(rows, HEADERS), "cases.xls"), dry_run=True
    )

    assert [str(error) for error in result.errors] == [
        "第2行 家庭住址: 超过单元格 100 个字符的上限：请缩短内容。"
    ]


# --- the container: read strictly, refused in words -------------------------------------


UNREADABLE = "无法读取该 .xls 文件：请在 Excel 中重新保存，或另存为 .xlsx 工作簿。"


def _with_fat_entry(data: bytes, sector: int, value: int) -> bytes:
    """The file with one FAT entry replaced (the FAT is the first sector after the header)."""
    offset = 512 + 4 * sector
    return data[:offset] + struct.pack("<I", value) + data[offset + 4 :]


def test_a_chain_that_loops_is_refused():
    data = xls_bytes([["姓名"]])
    # the workbook stream starts at sector 2: make its second sector point back to it
    looped = _with_fat_entry(data, 3, 2)

    assert refusal(looped) == UNREADABLE


def test_a_header_declaring_more_fat_sectors_than_the_file_has_is_refused():
    data = bytearray(xls_bytes([["姓名"]]))
    data[44:48] = struct.pack("<I", 0x7FFFFFFF)

    assert refusal(bytes(data)) == UNREADABLE


def test_a_sheet_position_outside_the_stream_is_refused():
    stream = stream_of([[["姓名"]]])
    at = stream.index(struct.pack("<H", 0x0085))  # BOUNDSHEET: its position comes first
    broken = stream[: at + 4] + struct.pack("<I", 10**8) + stream[at + 8 :]

    assert refusal(compound_file(broken)) == UNREADABLE


def test_a_shared_string_count_the_record_cannot_hold_is_refused():
    data = xls_bytes([["姓名"]], sst=record(0x00FC, struct.pack("<Ii", 1, 0x7FFFFFFF)))

    assert refusal(data) == UNREADABLE


def test_a_file_that_is_no_compound_file_is_refused():
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000) == UNREADABLE
    assert refusal(b"not a workbook at all") == UNREADABLE


def test_an_xlsx_chosen_as_xls_is_read_as_the_xlsx_it_is():
    from sheets.xlsx import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(buffer, ["姓名"], [["顾小妹"]])

    assert [cells for _n, cells in read_sheet(buffer.getvalue(), "cases.xls").rows] == [["顾小妹"]]


def test_the_stream_is_read_from_the_mini_stream_as_well():
    # below 4,096 bytes a stream lives in the mini stream: a file without one is refused
    # in words rather than read wrongly
    data = bytearray(xls_bytes([["姓名"]]))
    directory = 512 + 512  # the directory sector follows the one FAT sector
    data[directory + 128 + 120 : directory + 128 + 124] = struct.pack("<I", 100)

    with pytest.raises(SheetFileError) as refused:
        workbook_stream(bytes(data))
    assert str(refused.value) == UNREADABLE
    check_xls(xls_bytes([["姓名"]]), sheet_limits())  # the honest one passes


def test_a_large_honest_workbook_whose_fat_needs_difat_sectors_is_read():
    # past 109 FAT sectors (7 MB) the FAT's own sector numbers continue in DIFAT sectors
    rows = [HEADERS, *[[f"职工{n}", f"320583{n:012d}", *["填写"] * 14] for n in range(30_000)]]
    data = xls_bytes(rows)
    assert len(data) > 8 * 1024**2
    assert struct.unpack_from("<I", data, 72)[0] >= 1  # DIFAT sectors in the header

    sheet = read_sheet(data, "cases.xls")

    assert sum(1 for _row in sheet.rows) == 30_000
