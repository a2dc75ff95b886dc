"""The formats the admin's ImportMixin/ExportMixin use.

django-import-export's admin reads an upload with ``Format.create_dataset`` and hands
what it returns to ``Resource.import_data``. Ours return a :class:`SheetDataset`: the
sheet as read (``SheetData``), carried through to ``SheetResource.import_data`` without
a round trip through a tablib Dataset and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from import_export.formats import base_formats

from sheets.readers import SheetData, read_csv, read_xls, read_xlsx
from sheets.widgets import cell_text


class SheetDataset:
    """What the admin holds between reading a file and importing it: the parsed sheet.

    It answers the two questions the admin asks of a Dataset: whether there are rows
    (``len``) and, for a test or a caller, the header texts (``headers``).
    """

    def __init__(self, sheet: SheetData) -> None:
        # Read whole: the admin asks for the length before importing. Each row is cut or
        # padded to the header's width, as the admin's table of refused rows shows it.
        width = len(sheet.headers)
        rows = [
            (number, cells if len(cells) == width else _fit(cells, width))
            for number, cells in sheet.rows
        ]
        self.sheet = SheetData(sheet.headers, sheet.header_row, rows, total=len(rows))

    @property
    def headers(self) -> list[str]:
        return [cell_text(h) if h is not None else "" for h in self.sheet.headers]

    def __len__(self) -> int:
        return self.sheet.total


def _fit(cells: Sequence[Any], width: int) -> list[Any]:
    return [*cells[:width], *[""] * (width - len(cells))]


# --- formats for the admin's ImportMixin / ExportMixin -----------------------------------


class SheetXLSX(base_formats.XLSX):
    """.xlsx read with python-calamine (written by ``SheetResource.write_export``)."""

    def create_dataset(self, in_stream: bytes) -> SheetDataset:
        return SheetDataset(read_xlsx(bytes(in_stream)))


class SheetCSV(base_formats.CSV):
    """.csv in UTF-8 (with or without BOM) or GB18030/GBK; written as UTF-8 with BOM."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes | str, **kwargs: Any) -> SheetDataset:
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return SheetDataset(read_csv(bytes(in_stream)))


class SheetXLS(base_formats.Format):
    """Old Excel .xls workbooks, as district offices still keep them: read (import only)
    with python-calamine, which reads .xls as well as .xlsx; tablib's own needs xlrd."""

    def __init__(self, encoding: str | None = None) -> None:
        # the admin's confirm step builds every format with the upload's encoding
        self.encoding = encoding

    def get_title(self) -> str:
        return "xls"

    def get_extension(self) -> str:
        return "xls"

    def get_content_type(self) -> str:
        return "application/vnd.ms-excel"

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def is_available(self) -> bool:
        return True

    def can_import(self) -> bool:
        return True

    def can_export(self) -> bool:
        return False

    def create_dataset(self, in_stream: bytes, **kwargs: Any) -> SheetDataset:
        # measured by sheets.biff before calamine reads it (read_xls tells .xls from .xlsx)
        return SheetDataset(read_xls(bytes(in_stream)))
