"""Reading and decoding a sheet file (.xlsx, .xls, .csv) into rows."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tablib
from django.utils.translation import gettext as _

from sheets import biff
from sheets.errors import SheetError, SheetFileError, SheetTooLarge
from sheets.limits import (
    SheetLimits,
    cell_too_long_message,
    check_xlsx,
    checked_header,
    file_too_large,
    guarded_rows,
    sheet_limits,
    too_many_rows,
)
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


def _with_numbers(
    raw_rows: Iterable[Sequence[Any]], limits: SheetLimits | None = None
) -> tuple[list[Any], int, Iterator]:
    """Find the header (the first non-blank row) and number every row as Excel does."""
    iterator = iter(raw_rows)
    for header_row, cells in enumerate(iterator, 1):
        if not all(_is_blank(cell) for cell in cells):
            return list(cells), header_row, enumerate(iterator, header_row + 1)
        if limits is not None and header_row > limits.rows:  # blank lines all the way
            raise too_many_rows(limits)
    raise SheetFileError(_("The file is empty: the first row must hold the column headers."))


def read_xlsx(
    data: bytes, limits: SheetLimits | None = None, *, named_xls: bool = False
) -> SheetData:
    """The first sheet of an .xlsx or .xls workbook, read with python-calamine (dates as
    dates), after ``check_xlsx`` or ``check_xls`` has measured it: calamine holds the
    sheet's whole rectangle (and, for an .xls, every sheet's). The two are told apart by
    their first bytes, as calamine itself tells them apart: whatever reaches calamine has
    been measured by the check of the format calamine will read it as."""
    import python_calamine

    limits = limits or sheet_limits()
    if len(data) > limits.upload_bytes:
        raise file_too_large(len(data), limits)
    is_xls = data.startswith(biff.SIGNATURE)
    if named_xls and not is_xls and not data.startswith(b"PK"):
        raise biff.unreadable_xls()  # neither kind of workbook: say so for the .xls
    if is_xls:
        biff.check_xls(data, limits)
    else:
        check_xlsx(data, limits)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
    except BaseException as error:
        # calamine raises its own types for every malformed file, and a Rust panic on a
        # record it cannot parse comes up as pyo3's PanicException (a BaseException)
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        logger.info("unreadable workbook: %r", error)
        if is_xls:
            raise biff.unreadable_xls()
        raise SheetFileError(_("Cannot read the file: save it as an Excel .xlsx workbook."))
    headers, header_row, rows = _with_numbers(sheet.iter_rows(), limits)
    headers = checked_header(headers, header_row, limits)
    return SheetData(
        headers,
        header_row,
        guarded_rows(rows, header_row, limits),
        total=max(sheet.height - 1, 0),
    )


def read_xls(data: bytes, limits: SheetLimits | None = None) -> SheetData:
    """An upload chosen or named as .xls (an .xlsx saved under that name is read too)."""
    return read_xlsx(data, limits, named_xls=True)


# One line of a .csv with its ending (\r\n, \n or \r), as csv.reader wants them; found
# lazily, so the text is not copied into a list of lines or a StringIO buffer.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def read_csv(data: bytes, limits: SheetLimits | None = None) -> SheetData:
    """A CSV file in UTF-8 (with or without BOM) or GB18030/GBK, as Chinese Excel saves it.

    The rows are parsed as they are used and stop at the row limit; a cell past the
    csv module's own field limit (131,072) refuses the file with its row."""
    limits = limits or sheet_limits()
    if len(data) > limits.upload_bytes:
        raise file_too_large(len(data), limits)
    try:
        text = decode_csv_bytes(data)
    except ValueError as error:
        raise SheetFileError(str(error))
    del data
    lines = (match.group() for match in _LINE.finditer(text))
    headers, header_row, rows = _with_numbers(_csv_records(lines, limits), limits)
    headers = checked_header(headers, header_row, limits)
    # For progress: the lines below the header (a final line break ends the last row,
    # it does not start another).
    body = text.rstrip("\r\n")
    total = max((body.count("\n") or body.count("\r")) + 1 - header_row, 0)
    return SheetData(headers, header_row, guarded_rows(rows, header_row, limits), total=total)


def _csv_records(lines: Iterator[str], limits: SheetLimits) -> Iterator[list[str]]:
    counted = _Counted(lines, limits)
    reader = csv.reader(counted)
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except _LineTooLong:
            raise SheetTooLarge(
                str(SheetError(number, "", _too_long_line_message(limits)))
            ) from None
        except csv.Error as error:
            logger.info("unreadable csv row %d: %s", number, error)
            if "field larger than field limit" in str(error):
                raise SheetTooLarge(str(SheetError(number, "", cell_too_long_message(limits))))
            raise SheetFileError(
                str(SheetError(number, "", _("Cannot read this row of the CSV file.")))
            )
        yield record


class _LineTooLong(Exception):
    pass


class _Counted:
    """The lines of a .csv, refusing one longer than a row within the limits could be
    (before csv.reader turns it into a list of millions of cells)."""

    def __init__(self, lines: Iterator[str], limits: SheetLimits) -> None:
        self.lines = lines
        self.longest = limits.columns * (limits.cell_chars + 3)

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        if len(line) > self.longest:
            raise _LineTooLong()
        return line


def _too_long_line_message(limits: SheetLimits) -> str:
    return _(
        "This line is longer than a row of %(columns)s columns of %(chars)s characters "
        "could be: check that the file is a sheet saved as CSV."
    ) % {"columns": f"{limits.columns:,}", "chars": f"{limits.cell_chars:,}"}


def read_sheet(data: bytes, file_name: str, limits: SheetLimits | None = None) -> SheetData:
    """Read an uploaded or local file by its ending (.xlsx, .xls or .csv)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, limits)
    if suffix == ".xls":
        return read_xls(data, limits)
    if suffix in (".csv", ".txt"):
        return read_csv(data, limits)
    raise SheetFileError(_("Only .xlsx, .xls and .csv files can be imported."))


def read_sheet_file(path: Path, limits: SheetLimits | None = None) -> SheetData:
    """A local file (``importsheet``): its size is checked before a byte is read."""
    limits = limits or sheet_limits()
    size = path.stat().st_size
    if size > limits.upload_bytes:
        raise file_too_large(size, limits)
    return read_sheet(path.read_bytes(), path.name, limits)


def sheet_from_dataset(dataset: tablib.Dataset) -> SheetData:
    """The admin hands over a tablib Dataset; keep Excel's row numbers where known."""
    header_row = getattr(dataset, "header_row", 1)
    headers = list(dataset.headers or [])
    rows = ((header_row + i, cells) for i, cells in enumerate(dataset, 1))
    return SheetData(headers, header_row, rows, total=len(dataset))
