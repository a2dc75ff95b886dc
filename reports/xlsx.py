"""Writing report tables to .xlsx (openpyxl, write-only: fast and low on memory)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@")


def safe_cell(value):
    """Text that Excel would run as a formula is written as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _width(value) -> int:
    """Columns as wide as their text: a CJK character takes two places, money its commas."""
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    text = str(value if value is not None else "")
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def workbook_bytes(
    title: str, headers: list[str], rows: list[list], *, heading: list[str] = ()
) -> bytes:
    """One sheet: the ``heading`` lines (what the table is, the filters it was made
    with), then the table with its header row, columns wide enough for their values."""
    rows = list(rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    bold = Font(bold=True)
    # Write-only sheets take their widths before the first row (LibreOffice shows "###"
    # for money in a column too narrow, and cuts off unit names).
    for index, header in enumerate(headers):
        widest = max([_width(header), *(_width(row[index]) for row in rows if index < len(row))])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(widest + 2, 60)
    for number, line in enumerate(heading):
        cell = WriteOnlyCell(sheet, value=safe_cell(line))
        cell.font = Font(bold=True, size=14) if number == 0 else Font(italic=True)
        sheet.append([cell])
    if heading:
        sheet.append([])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, title: str, headers: list[str], rows: list[list], *, heading: list[str] = ()
) -> HttpResponse:
    response = HttpResponse(
        workbook_bytes(title, headers, rows, heading=heading), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
