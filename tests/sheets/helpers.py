"""Building case sheets for the tests: rows as a clerk fills them, as .csv or .xlsx."""

from __future__ import annotations

import csv
import datetime
import io
import random

from cases.idnumbers import check_digit, random_id_number
from cases.resources import CaseResource
from sheets import SheetResult, read_sheet

HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "所属工会",
    "工作单位",
    "困难类别",
    "致困原因",
    "家庭人口",
    "家庭月人均收入（元）",
    "联系电话",
    "家庭住址",
    "建档日期",
    "档案状态",
    "救助证号",
    "备注",
]
# The export writes FILING.md's computed columns after them (read-only on import).
EXPORT_HEADERS = [*HEADERS, "困难类型", "家庭年可支配收入（元）", "年刚性支出（元）"]

# 320583 (Kunshan) 1980-01-01, sequence 018 (even: female), check character X.
KUNSHAN_ID = "32058319800101018X"
# A Wuzhong woman born 1965-03-02, and the same number with a wrong check digit.
WUZHONG_ID = "320506196503020247"
BAD_CHECKSUM_ID = "320506196503020248"
# Legacy 15-digit number of a man born 1975-06-15, and its 18-digit form.
LEGACY_ID = "320583750615001"
LEGACY_ID_CONVERTED = "32058319750615001X"
# 1980-02-30 does not exist; the check digit is right, so only the date is wrong.
IMPOSSIBLE_BIRTH_ID = "32058319800230001" + check_digit("32058319800230001")


def ids(count: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    return [
        random_id_number(rng, birth=datetime.date(1970, 1, 1) + datetime.timedelta(i))
        for i in range(count)
    ]


def case_row(**cells) -> dict[str, object]:
    """A valid 困难职工档案 row; keyword arguments replace cells by header."""
    row = {
        "姓名": "顾小妹",
        "身份证号": KUNSHAN_ID,
        "所属工会": "昆山市总工会",
        "困难类别": "困难职工",
    }
    row.update(cells)
    return row


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h, "") for h in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, leading_blank_rows: int = 0) -> bytes:
    """Written with openpyxl, as Excel would: dates and numbers as real cells."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(leading_blank_rows):
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_rows(user, rows, *, fmt="csv", dry_run=False, with_diff=False, **kwargs) -> SheetResult:
    """Import ``rows`` (dicts by header) as ``user`` through the engine, like the CLI."""
    data = xlsx_bytes(rows, **kwargs) if fmt == "xlsx" else csv_bytes(rows, **kwargs)
    sheet = read_sheet(data, f"cases.{fmt}")
    return CaseResource(user=user).import_sheet(
        sheet, dry_run=dry_run, file_name=f"cases.{fmt}", with_diff=with_diff
    )


def errors_of(result: SheetResult) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


def import_sheet(resource_class, user, rows, headers, *, fmt="csv", dry_run=False, **kwargs):
    """Import ``rows`` (dicts by header) with any sheet's resource, like the CLI does."""
    data = xlsx_bytes(rows, headers) if fmt == "xlsx" else csv_bytes(rows, headers)
    sheet = read_sheet(data, f"sheet.{fmt}")
    return resource_class(user=user).import_sheet(
        sheet, dry_run=dry_run, file_name=f"sheet.{fmt}", **kwargs
    )


def export_sheet(resource_class, user, file_name="sheet.csv", **filters):
    """(the export's file bytes, its rows as dicts by header), through ``write_export``."""
    buffer = io.BytesIO()
    resource_class(user=user).write_export(buffer, file_name, **filters)
    data = buffer.getvalue()
    sheet = read_sheet(data, file_name)
    headers = [str(h) for h in sheet.headers]
    rows = [dict(zip(headers, cells, strict=False)) for _number, cells in sheet.rows]
    return data, rows
