"""The spreadsheet engine: every register sheet is imported and exported through here.

This module is the public API the apps' ``resources.py`` import; one module per concern
behind it (modelled on django-import-export's own split): ``errors``, ``readers``,
``parsing``, ``widgets``, ``fields``, ``rows``, ``context`` (the per-import state),
``loaders`` (key loading and matching), ``resources`` (the pipeline),
``bulk`` (writing), ``results``, ``export``, ``xlsx``, ``formats``, ``admin`` and
``registry``. The package depends on ``unions`` for scope only; apps depend on it.
"""

from sheets.bulk import insert_history, insert_rows, insert_with_history, update_rows
from sheets.constants import LOOKUP_CHUNK, Progress
from sheets.context import ImportContext
from sheets.errors import RowsRefused, SheetError, SheetFileError, SheetTooLarge
from sheets.export import escape_formula, write_csv
from sheets.fields import SheetField, name_key
from sheets.formats import SheetCSV, SheetDataset, SheetXLS, SheetXLSX
from sheets.limits import background_limits
from sheets.loaders import KeyLoader
from sheets.readers import SheetData, read_sheet
from sheets.registry import UnknownSheet, import_file, sheet_kinds, sheet_resource
from sheets.resources import SheetResource
from sheets.results import SheetResult
from sheets.rows import NEW, SKIP, UPDATE, SheetRow
from sheets.widgets import (
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    MoneyWidget,
    PhoneWidget,
    ScopedForeignKeyWidget,
    ScopedManyToManyWidget,
    SheetWidget,
    TextWidget,
    cell_text,
)
from sheets.xlsx import write_template, write_xlsx

__all__ = [
    "BooleanWidget",
    "ChoiceWidget",
    "DateWidget",
    "ImportContext",
    "background_limits",
    "IntegerWidget",
    "KeyLoader",
    "MoneyWidget",
    "NEW",
    "PhoneWidget",
    "LOOKUP_CHUNK",
    "Progress",
    "RowsRefused",
    "SKIP",
    "ScopedForeignKeyWidget",
    "ScopedManyToManyWidget",
    "SheetCSV",
    "SheetData",
    "SheetDataset",
    "SheetError",
    "SheetField",
    "SheetFileError",
    "SheetTooLarge",
    "SheetResource",
    "SheetResult",
    "SheetRow",
    "SheetWidget",
    "SheetXLS",
    "SheetXLSX",
    "TextWidget",
    "UPDATE",
    "UnknownSheet",
    "cell_text",
    "escape_formula",
    "import_file",
    "insert_history",
    "insert_rows",
    "insert_with_history",
    "name_key",
    "read_sheet",
    "sheet_kinds",
    "sheet_resource",
    "update_rows",
    "write_csv",
    "write_template",
    "write_xlsx",
]
