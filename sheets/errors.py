"""What goes wrong with a sheet: per-cell errors and the exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

# --- errors --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetError:
    """One refusal: Excel row number (the header is row 1), column header, reason."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        # The wording of INTERFACES.md ("第N行 列名: 原因"): a promise to scripts, so it is
        # the same in every UI language.
        where = f"第{self.row}行" if self.row is not None else ""
        if self.column:
            where = f"{where} {self.column}".strip()
        return f"{where}: {self.message}" if where else self.message


class SheetFileError(Exception):
    """The file cannot be read as a sheet at all (format, encoding, no header)."""


class SheetTooLarge(SheetFileError):
    """The file is over one of the limits of ``sheets.limits`` (the message names it);
    raised before the part that is too large is read into memory."""


class RowsRefused(Exception):
    """Raised by a ``write`` hook when a rule fails under the write's locks (e.g. a fund
    that another clerk emptied since the check): the transaction is rolled back and the
    errors are reported like any other."""

    def __init__(self, errors: Sequence[SheetError]):
        super().__init__(errors)
        self.errors = list(errors)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error)
