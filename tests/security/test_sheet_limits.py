"""Issue 13 parts 1 and 2: no file can crash a process; the limits, each named.

Each hostile file goes through the readers, the import engine and ``importsheet`` (in
this process: what could have crashed it is refused before it is read; the same files
through a real server and a real CLI process are in test_hostile_processes.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from cases.models import Case
from cases.resources import CaseResource
from sheets import SheetFileError, read_sheet
from sheets.errors import SheetTooLarge
from sheets.limits import RefusedCell, check_xlsx, sheet_limits
from sheets.xlsx import write_xlsx
from tests.security.hostile import cell, far_cell_xlsx, row, shared_string_bomb, xlsx
from tests.sheets.helpers import HEADERS, case_row, csv_bytes, ids

ROWS_LIMIT = override_settings(RELIEF_SHEET_MAX_ROWS=50)


def _rows(sheet):
    return list(sheet.rows)


def refusal(data: bytes, name: str) -> str:
    with pytest.raises(SheetFileError) as refused:
        _rows(read_sheet(data, name))
    return str(refused.value)


# --- .xlsx: the extent is measured before calamine is asked for the sheet -------------


def test_a_cell_at_xfd1048576_is_refused_before_calamine_reads_the_sheet():
    data = far_cell_xlsx()
    assert len(data) < 5 * 1024

    message = refusal(data, "cases.xlsx")

    assert message == (
        "表格声明的范围 A1:XFD1048576 超过 100,000 行、50 列的上限：请把数据复制到新的"
        "工作簿中再保存。"
    )


def test_the_real_cells_are_measured_when_no_dimension_is_declared():
    data = xlsx(row(1, cell("A1", "姓名")) + row(1048576, cell("XFD1048576", "x")))

    assert refusal(data, "cases.xlsx") == (
        "表格在 XFD 列（第 16,384 列）有内容，超过 50 列的上限：请删除表格各列右边的内容。"
    )


def test_a_cell_far_below_is_refused_by_its_row():
    data = xlsx(row(1, cell("A1", "姓名")) + row(2, cell("A300000", "x")))

    assert refusal(data, "cases.xlsx") == (
        "表格在第 300,000 行有内容，超过表头以下 100,000 行的上限：请删除数据下方的内容，"
        "或把文件分开导入。"
    )


@pytest.mark.parametrize(
    "sheet_data",
    [
        # cells without r="": calamine places each after the one before it
        row(1, *['<c t="inlineStr"><is><t>x</t></is></c>'] * 60),
        # a row without r="" after one far down
        '<row r="200000"/><row><c t="inlineStr"><is><t>x</t></is></c></row>',
        # the attributes in another order
        '<row r="1"><c t="inlineStr" r="ZZ1"><is><t>x</t></is></c></row>',
    ],
    ids=["no-references", "row-without-reference", "reference-not-first"],
)
def test_cells_written_without_references_are_placed_as_calamine_places_them(sheet_data):
    with pytest.raises(SheetTooLarge):
        check_xlsx(xlsx(sheet_data), sheet_limits())


def test_cells_with_a_namespace_prefix_are_measured_too():
    data = xlsx(
        row(1, cell("A1", "姓名", "x"), prefix="x")
        + row(1048576, cell("XFD1048576", "x", "x"), prefix="x"),
        prefix="x",
    )

    assert "XFD" in refusal(data, "cases.xlsx")


def test_styled_blank_cells_far_below_do_not_refuse_a_sheet():
    # Excel writes <c r="A5000" s="1"/> for every formatted blank cell; calamine skips them.
    blanks = "".join(f'<row r="{n}"><c r="P{n}" s="1"/></row>' for n in range(2, 300))
    data = xlsx(
        row(1, cell("A1", "姓名")) + blanks + '<row r="400000"><c r="A400000" s="1"/></row>'
    )

    sheet = read_sheet(data, "cases.xlsx")

    assert sheet.headers == ["姓名"]


def test_a_workbook_that_unpacks_past_the_budget_is_refused():
    bomb = {"xl/sharedStrings.xml": "<sst>" + " " * (3 * 1024 * 1024) + "</sst>"}
    data = xlsx(row(1, cell("A1", "姓名")), extra_parts=bomb)
    assert len(data) < 64 * 1024

    with override_settings(RELIEF_SHEET_MAX_UNPACKED_BYTES=2 * 1024 * 1024):
        message = refusal(data, "cases.xlsx")

    assert message == (
        "工作簿解压后超过 2 MB 的上限：请在 Excel 中重新保存，或分成几个较小的文件。"
    )


@pytest.mark.parametrize("quote", ['"', "'"], ids=["fast-path", "parsed"])
def test_a_shared_string_repeated_into_gigabytes_is_refused(quote):
    data = shared_string_bomb(20_000, quote=quote)  # 200,000 copies of 96 KB: 19 GB
    assert len(data) < 1024 * 1024

    assert refusal(data, "cases.xlsx") == (
        "表格各单元格重复引用的文字超过 512 MB 的上限：请在 Excel 中重新保存，"
        "或分成几个较小的文件。"
    )


@pytest.mark.parametrize("budget", [512, 5], ids=["bound-enough", "counted"])
def test_shared_strings_an_honest_workbook_repeats_are_read(kunshan_clerk, budget):
    from tests.sheets.helpers import xlsx_bytes  # openpyxl: shared strings, as Excel

    rows = [case_row(身份证号=number, 备注="长" * 2000) for number in ids(300)]
    with override_settings(RELIEF_SHEET_MAX_UNPACKED_BYTES=budget * 1024 * 1024):
        sheet = read_sheet(xlsx_bytes(rows), "cases.xlsx")

    assert len(_rows(sheet)) == 300


def test_a_zip_of_thousands_of_parts_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1001):
            archive.writestr(f"x/{number}", b"")

    assert refusal(buffer.getvalue(), "cases.xlsx") == (
        "无法读取该文件：请另存为 Excel .xlsx 工作簿。"
    )


def test_an_honest_workbook_at_the_limits_is_read(kunshan_clerk):
    headers = [f"列{n}" for n in range(50)]
    buffer = io.BytesIO()
    with ROWS_LIMIT:
        write_xlsx(buffer, headers, ([f"{r}-{c}" for c in range(50)] for r in range(50)))
        sheet = read_sheet(buffer.getvalue(), "wide.xlsx")
        rows = _rows(sheet)

    assert len(sheet.headers) == 50 and len(rows) == 50


# --- rows: counted while read, the same for .xlsx and .csv ----------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_past_the_limit_are_refused_while_reading(fmt):
    cells = [[f"人{n}", number] for n, number in enumerate(ids(51))]
    if fmt == "csv":
        data = csv_bytes([dict(zip(["姓名", "身份证号"], c, strict=True)) for c in cells])
    else:
        buffer = io.BytesIO()
        write_xlsx(buffer, ["姓名", "身份证号"], cells)
        data = buffer.getvalue()

    with ROWS_LIMIT:
        message = refusal(data, f"cases.{fmt}")

    assert message == "表格在表头以下超过 50 行的上限：请分成几个较小的文件导入。"


def test_a_csv_of_blank_lines_stops_at_the_row_limit():
    with ROWS_LIMIT:
        message = refusal(b"\r\n" * 10_000, "cases.csv")

    assert message == "表格在表头以下超过 50 行的上限：请分成几个较小的文件导入。"


def test_a_csv_row_past_the_column_limit_is_refused_and_trailing_commas_are_not():
    wide = "姓名,身份证号\r\n顾小妹,1" + ",x" * 60 + "\r\n"
    trailing = "姓名,身份证号" + "," * 200 + "\r\n顾小妹,1" + "," * 200 + "\r\n"

    assert refusal(wide.encode(), "cases.csv") == (
        "第2行: 这一行有 62 个单元格，超过 50 列的上限：请删除表格各列右边的内容。"
    )
    sheet = read_sheet(trailing.encode(), "cases.csv")
    assert len(sheet.headers) == 50
    assert [len(cells) for _number, cells in sheet.rows] == [50]


def test_a_csv_line_longer_than_any_row_is_refused_before_it_is_split():
    with override_settings(RELIEF_SHEET_MAX_COLUMNS=5, RELIEF_SHEET_MAX_CELL_CHARS=10):
        message = refusal(b"a,b\r\n" + b"," * 100 + b"\r\n", "cases.csv")

    assert message == (
        "第2行: 这一行比 5 列、每列 10 个字符的一行还长：请确认文件是另存为 CSV 的表格。"
    )


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(tmp_path, kunshan_clerk):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([case_row()]) + b"," * (2 * 1024 * 1024))
    out = io.StringIO()

    with (
        override_settings(RELIEF_SHEET_MAX_UPLOAD_BYTES=1024 * 1024),
        pytest.raises(CommandError) as refused,
    ):
        call_command("importsheet", "cases", str(path), "--as", "kunshan_clerk", stdout=out)

    assert refused.value.returncode == 1
    assert out.getvalue().strip() == (
        "文件大小为 2.0 MB，超过 1 MB 的上限：请分成几个较小的文件导入。"
    )


# --- cells: length and control characters, per row as 第N行 列名: 原因 -----------------


def test_a_csv_cell_past_the_csv_modules_field_limit_is_refused_with_its_row():
    data = csv_bytes([case_row(), case_row(备注="长" * 200_000)])

    assert refusal(data, "cases.csv") == "第3行: 超过单元格 32,767 个字符的上限：请缩短内容。"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_control_characters_and_long_cells_are_refused_per_row(kunshan_clerk, fmt):
    numbers = ids(3)
    rows = [
        case_row(姓名="顾\x00小妹", 身份证号=numbers[0]),
        case_row(姓名="李四", 身份证号=numbers[1], 备注="x" * 40_000),
        case_row(姓名="王\x07大", 身份证号=numbers[2], 家庭住址="昆山\x1b路"),
    ]
    if fmt == "csv":
        data = csv_bytes(rows)
    else:  # as Excel stores a control character: _x0000_
        buffer = io.BytesIO()
        write_xlsx(buffer, HEADERS, [[r.get(h) for h in HEADERS] for r in rows])
        data = _excel_escapes(buffer.getvalue())

    result = CaseResource(user=kunshan_clerk).import_sheet(
        read_sheet(data, f"cases.{fmt}"), dry_run=False
    )

    clean = "：请删除（在 Excel 中可用 CLEAN() 函数）。"
    assert [str(error) for error in result.errors] == [
        f"第2行 姓名: 含有无法保存的控制字符（U+0000）{clean}",
        "第3行 备注: 超过单元格 32,767 个字符的上限：请缩短内容。",
        f"第4行 姓名: 含有无法保存的控制字符（U+0007）{clean}",
        f"第4行 家庭住址: 含有无法保存的控制字符（U+001B）{clean}",
    ]
    assert not Case.objects.exists()


def _excel_escapes(data: bytes) -> bytes:
    """Our writer drops control characters; Excel writes them as _xHHHH_: do so."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                part = (
                    part.replace("顾小妹".encode(), "顾_x0000_小妹".encode())
                    .replace("王大".encode(), "王_x0007_大".encode())
                    .replace("昆山路".encode(), "昆山_x001B_路".encode())
                )
            target.writestr(info, part)
    return buffer.getvalue()


def test_a_refused_header_cell_refuses_the_file():
    data = csv_bytes([case_row()], headers=["姓名\x00", *HEADERS[1:]])

    assert refusal(data, "cases.csv") == (
        "第1行 A列: 含有无法保存的控制字符（U+0000）：请删除（在 Excel 中可用 CLEAN() 函数）。"
    )


def test_a_refused_cell_shows_in_a_preview_without_its_control_characters():
    refused = RefusedCell("why", "a\x00b" + "c" * 100)

    assert str(refused) == "a\ufffdb" + "c" * 37 + "…"


def test_tab_and_line_breaks_in_a_cell_are_kept(kunshan_clerk):
    data = csv_bytes([case_row(家庭住址="昆山\n某路\t1号")])

    result = CaseResource(user=kunshan_clerk).import_sheet(read_sheet(data, "cases.csv"))

    assert not result.errors
    assert Case.objects.get().address == "昆山\n某路\t1号"


def test_nginx_takes_bodies_up_to_the_upload_limit_and_no_more():
    import re
    from pathlib import Path

    from reliefsite import settings as defaults

    conf = (Path(defaults.BASE_DIR) / "deploy" / "nginx-relief.conf").read_text()
    (size,) = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", conf, re.MULTILINE)

    # The largest a sheet may be: a background job's (a request's is smaller).
    largest = max(defaults.RELIEF_SHEET_MAX_UPLOAD_BYTES, defaults.RELIEF_JOB_MAX_UPLOAD_BYTES)
    assert int(size) * 1024 * 1024 == largest
