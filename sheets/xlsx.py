"""A small streaming .xlsx writer and the blank template."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

# rows of 16 columns on the reference machine; this writes them in a few seconds.
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sheets.parsing import (
    EXCEL_EPOCH,
)

if TYPE_CHECKING:
    from sheets.resources import SheetResource


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XML_ESCAPES: dict[int, str | None] = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_ESCAPES.update((c, None) for c in range(32) if c not in (9, 10, 13))
_XML_ESCAPES.update({0xFFFE: None, 0xFFFF: None})
_STYLE_DATE, _STYLE_MONEY, _STYLE_HEADER, _STYLE_TEXT = 1, 2, 3, 4

_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, remainder = divmod(n - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _xlsx_cell(ref: str, value: Any, header: bool = False) -> str:
    kind = value.__class__
    if kind is str:
        if not value:
            return ""
        text = value.translate(_XML_ESCAPES)
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        style = f' s="{_STYLE_HEADER}"' if header else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if value is None:
        return ""
    if kind is Decimal:
        return f'<c r="{ref}" s="{_STYLE_MONEY}"><v>{value:f}</v></c>'
    if kind is datetime.date:
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if kind is datetime.datetime:
        return _xlsx_cell(ref, value.date())
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return _xlsx_cell(ref, str(value), header)


def write_xlsx(
    target: str | Path | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Sheet1",
    text_columns: Sequence[int] = (),
) -> int:
    """Stream rows into a one-sheet .xlsx; returns the number of data rows."""
    letters = _column_letters(len(headers))
    sheet_name = (sheet_name or "Sheet1")[:31].translate(_XML_ESCAPES)
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="22" style="{_STYLE_TEXT}" customWidth="1"/>'
        if i in text_columns
        else f'<col min="{i + 1}" max="{i + 1}" width="14" customWidth="1"/>'
        for i in range(len(headers))
    )
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr(
            "xl/workbook.xml",
            _XML_HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    _XML_HEAD + f'<worksheet xmlns="{_NS}"><sheetViews>'
                    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    f"<cols>{cols}</cols><sheetData>"
                    '<row r="1">'
                    + "".join(
                        _xlsx_cell(f"{letter}1", header, header=True)
                        for letter, header in zip(letters, headers, strict=True)
                    )
                    + "</row>"
                ).encode()
            )
            buffer: list[str] = []
            for number, row in enumerate(rows, 2):
                buffer.append(
                    f'<row r="{number}">'
                    + "".join(
                        _xlsx_cell(f"{letter}{number}", value)
                        for letter, value in zip(letters, row, strict=False)
                    )
                    + "</row>"
                )
                count += 1
                if len(buffer) >= 1000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            buffer.append("</sheetData></worksheet>")
            sheet.write("".join(buffer).encode())
    return count


TEMPLATE_ROWS = 5000  # rows of a blank template that get the drop-down lists


def write_template(resource: SheetResource) -> bytes:
    """A blank .xlsx for one sheet: its headers, drop-down lists for its vocabularies
    (on a hidden sheet, so lists of any length fit) and text-formatted ID columns."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    resource.prepare()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = resource.sheet_title[:31] or "Sheet1"
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    sheet.append(resource.headers())
    sheet.freeze_panes = "A2"
    list_column = 0
    for index, sheet_field in enumerate(resource.sheet_fields(), 1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, 2 * len(sheet_field.column_name) + 4)
        widget = sheet_field.widget
        if widget.text_column:
            # Excel would turn an 18-digit ID number into 3.20583E+17.
            sheet.column_dimensions[letter].width = 22
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        choices = widget.template_choices()
        if not choices:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=sheet_field.column_name)
        for offset, choice in enumerate(choices, 2):
            lists.cell(row=offset, column=list_column, value=choice)
        validation = DataValidation(
            type="list",
            formula1=f"'选项'!${list_letter}$2:${list_letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if widget.strict_choices else "warning",
            errorTitle=sheet_field.column_name,
            error=_("Choose a value from the list."),
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
