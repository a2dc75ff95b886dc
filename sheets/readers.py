"""Reading and decoding a sheet file (.xlsx, .xls, .csv) into rows."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tablib
from django.utils.translation import gettext as _

from sheets.errors import SheetFileError
from sheets.parsing import (
    decode_csv_bytes,
)

logger = logging.getLogger("relief.sheets")


# --- reading -------------------------------------------------------------------------


@dataclass
class SheetData:
    """A sheet as read from a file: the header row and the data rows with their numbers."""

    headers: list[Any]
    header_row: int
    rows: Iterable[tuple[int, Sequence[Any]]]
    total: int = 0  # data rows (an estimate for .xlsx), for progress only


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


def _with_numbers(raw_rows: Iterable[Sequence[Any]]) -> tuple[list[Any], int, Iterator]:
    """Find the header (the first non-blank row) and number every row as Excel does."""
    iterator = iter(raw_rows)
    for header_row, cells in enumerate(iterator, 1):
        if not all(_is_blank(cell) for cell in cells):
            return list(cells), header_row, enumerate(iterator, header_row + 1)
    raise SheetFileError(_("The file is empty: the first row must hold the column headers."))


def read_xlsx(data: bytes) -> SheetData:
    """The first sheet of an .xlsx workbook, read with python-calamine (dates as dates)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
    except Exception as error:  # calamine raises its own types for every malformed file
        logger.info("unreadable xlsx: %r", error)
        raise SheetFileError(_("Cannot read the file: save it as an Excel .xlsx workbook."))
    headers, header_row, rows = _with_numbers(sheet.iter_rows())
    return SheetData(headers, header_row, rows, total=max(sheet.height - 1, 0))


def read_csv(data: bytes) -> SheetData:
    """A CSV file in UTF-8 (with or without BOM) or GB18030/GBK, as Chinese Excel saves it."""
    try:
        text = decode_csv_bytes(data)
    except ValueError as error:
        raise SheetFileError(str(error))
    lines = list(csv.reader(io.StringIO(text, newline="")))
    headers, header_row, rows = _with_numbers(lines)
    return SheetData(headers, header_row, rows, total=max(len(lines) - header_row, 0))


def read_sheet(data: bytes, file_name: str) -> SheetData:
    """Read an uploaded or local file by its ending (.xlsx or .csv)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    raise SheetFileError(_("Only .xlsx and .csv files can be imported."))


def sheet_from_dataset(dataset: tablib.Dataset) -> SheetData:
    """The admin hands over a tablib Dataset; keep Excel's row numbers where known."""
    header_row = getattr(dataset, "header_row", 1)
    headers = list(dataset.headers or [])
    rows = ((header_row + i, cells) for i, cells in enumerate(dataset, 1))
    return SheetData(headers, header_row, rows, total=len(dataset))
