"""Hostile sheet files, built in memory (nothing large is committed)."""

from __future__ import annotations

import io
import struct
import zipfile

from tests.sheets.xls import record, xls_bytes

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def xlsx(
    sheet_data: str,
    *,
    dimension: str | None = None,
    extra_parts: dict | None = None,
    sheet_target: str = "worksheets/sheet1.xml",
    prefix: str = "",
) -> bytes:
    """A one-sheet workbook whose <sheetData> is ``sheet_data`` (inline strings)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_NS}"' if prefix else f'xmlns="{_NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f"{_HEAD}<{p}worksheet {xmlns}>{dim}<{p}sheetData>{sheet_data}</{p}sheetData>"
        f"</{p}worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/{sheet_target}" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/worksheet" Target="{sheet_target}"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(f"xl/{sheet_target}", sheet)
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def cell(ref: str, text: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    return f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'


def row(number: int, *cells: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    return f'<{p}row r="{number}">{"".join(cells)}</{p}row>'


def far_cell_xlsx() -> bytes:
    """One cell at A1 and one at XFD1048576: under 5 KB, and calamine would ask for the
    whole 16,384 x 1,048,576 rectangle (512 GiB)."""
    return xlsx(
        row(1, cell("A1", "姓名")) + row(1048576, cell("XFD1048576", "x")),
        dimension="A1:XFD1048576",
    )


def shared_string_bomb(rows: int, columns: int = 10, quote: str = '"') -> bytes:
    """One 32,000-character shared string in every cell: a few hundred KB that calamine
    would copy into gigabytes (it gives every cell its own copy)."""
    letters = [
        chr(65 + n // 26 - 1) + chr(65 + n % 26) if n >= 26 else chr(65 + n)
        for n in range(columns)
    ]
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{c}{r}" t={quote}s{quote}><v>0</v></c>' for c in letters)
        + "</row>"
        for r in range(2, rows + 2)
    )
    strings = f'<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>{"长" * 32000}</t></si></sst>'
    data = xlsx(row(1, cell("A1", "姓名")) + body, extra_parts={"xl/sharedStrings.xml": strings})
    # declare the shared strings as Excel does
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                part = part.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" '
                    'Target="sharedStrings.xml"/></Relationships>'.encode(),
                )
            target.writestr(info, part)
    return buffer.getvalue()


# --- .xls (BIFF8 in a compound file): tests.sheets.xls writes them -----------------------


def label(row: int, column: int, text: str) -> bytes:
    """A LABEL cell record at a 0-based position (any a hostile file may write)."""
    cell = struct.pack("<HHHHB", row, column, 0, len(text), 1) + text.encode("utf-16-le")
    return record(0x0204, cell)


def far_cell_xls(declared: bool = True) -> bytes:
    """A 6 KB .xls whose sheet declares the whole 1,048,576 x 16,384 (calamine reserves
    640 GiB for it and aborts), or holds a cell at row and column 65,536 (128 GiB)."""
    if declared:
        return xls_bytes([["姓名"]], dimensions=[(1048576, 16384)])
    return xls_bytes([["姓名"]], extra_cells=[label(65535, 65535, "x")])


def shared_string_bomb_xls(rows: int, columns: int = 10) -> bytes:
    """One 32,000-character shared string in every cell: calamine copies it into each."""
    return xls_bytes([["姓名"], *[["长" * 32000] * columns for _ in range(rows)]])


def many_sheets_xls(sheets: int, last_row: int, last_column: int) -> bytes:
    """Sheets each with a cell at A1 and one at (last_row, last_column), 0-based: each
    within the limits, together past what calamine may build (it reads every sheet)."""
    return xls_bytes(
        sheets=[[["姓名"]]] * sheets,
        extra_cells=[label(last_row, last_column, "x")] * sheets,
    )
