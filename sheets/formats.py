"""The formats the admin's ImportMixin/ExportMixin use."""

from __future__ import annotations

from typing import Any

import tablib
from import_export.formats import base_formats

from sheets.readers import SheetData, read_csv, read_xlsx
from sheets.widgets import cell_text

# --- formats for the admin's ImportMixin / ExportMixin -----------------------------------


class SheetXLSX(base_formats.XLSX):
    """.xlsx read with python-calamine (written by ``SheetResource.write_export``)."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        sheet = read_xlsx(bytes(in_stream))
        return _dataset(sheet)


class SheetCSV(base_formats.CSV):
    """.csv in UTF-8 (with or without BOM) or GB18030/GBK; written as UTF-8 with BOM."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes | str, **kwargs: Any) -> tablib.Dataset:
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return _dataset(read_csv(bytes(in_stream)))


def _dataset(sheet: SheetData) -> tablib.Dataset:
    """A tablib Dataset that keeps Excel's row numbers (blank rows stay, as blanks)."""
    width = len(sheet.headers)
    headers = [cell_text(h) if h is not None else "" for h in sheet.headers]
    dataset = tablib.Dataset(headers=headers)
    expected = sheet.header_row + 1
    for number, cells in sheet.rows:
        while expected < number:  # keep numbering when the reader skipped a row
            dataset.append([""] * width)
            expected += 1
        cells = list(cells[:width]) + [""] * (width - len(cells))
        dataset.append(cells)
        expected += 1
    dataset.header_row = sheet.header_row
    return dataset
