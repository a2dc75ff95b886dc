"""Lenient parsers for values typed into imported Excel/CSV sheets.

Every parser accepts the forms clerks really type (full-width characters,
Chinese date and money notation, native xlsx cell types) and raises
``ValueError`` with a translated, user-facing message for anything else.
"""

import codecs
import datetime
import math
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.dates import DATE_MAX_YEAR, DATE_MIN_YEAR, out_of_range_message
from core.text import normalize_text

# Excel serial day numbers: serial 61 is 1900-03-01, 73415 is 2100-12-31.
# Serials 1..60 are skipped on purpose: Excel counts a fictitious 1900-02-29
# (serial 60), so that range is ambiguous and never a real record anyway.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIAL_MIN = 61
EXCEL_SERIAL_MAX = 73415

_GROUPED_OR_PLAIN = r"(?:\d{1,3}(?:,\d{3})+|\d+)"

_DATE_SEPARATED = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    # A time part as written by tools that stringify datetimes; ignored.
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
    re.ASCII,
)
_DATE_CHINESE = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?", re.ASCII
)
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)

_INT = re.compile(rf"(?P<sign>[-+]?)(?P<int>{_GROUPED_OR_PLAIN})(?:\.0+)?", re.ASCII)

_LIST_SEPARATORS = re.compile(r"[、,;\s]+")

_TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔"})
_FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "✗", "✘"})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _not_a_date() -> ValueError:
    return ValueError(_("Not a date: enter it as 2007-02-07."))


def _checked_date(year: int, month: int, day: int) -> datetime.date:
    try:
        result = datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("This date does not exist: check the month and day.")) from None
    return _checked_year(result)


def _checked_year(result: datetime.date) -> datetime.date:
    # The one supported range (core.dates), as the admin forms check it.
    if not DATE_MIN_YEAR <= result.year <= DATE_MAX_YEAR:
        raise ValueError(out_of_range_message())
    return result


def _date_from_number(value: Any) -> datetime.date:
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise _not_a_date()
    number = int(value)  # Excel date-times carry the time as a fraction: drop it.
    if 10_000_000 <= number <= 99_999_999 and number == value:
        # 20070207 typed into a number cell.
        return _checked_date(number // 10_000, number // 100 % 100, number % 100)
    if DATE_MIN_YEAR <= number <= DATE_MAX_YEAR:
        # A bare year such as 1965 would otherwise become a day in 1905.
        raise _not_a_date()
    if not EXCEL_SERIAL_MIN <= number <= EXCEL_SERIAL_MAX:
        raise _not_a_date()
    return EXCEL_EPOCH + datetime.timedelta(days=number)


def parse_date(value: Any) -> datetime.date:
    """Parse a date cell: date objects, Excel serials or 2007-02-07-like text."""
    if isinstance(value, datetime.datetime):
        return _checked_year(value.date())
    if isinstance(value, datetime.date):
        return _checked_year(value)
    if _is_number(value):
        return _date_from_number(value)
    text = normalize_text(value)
    for pattern in (_DATE_SEPARATED, _DATE_CHINESE, _DATE_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            return _checked_date(int(match["y"]), int(match["m"]), int(match["d"]))
    raise _not_a_date()


def _not_a_whole_number() -> ValueError:
    return ValueError(_("Not a whole number: enter digits only, such as 3."))


def parse_int(value: Any) -> int:
    """Parse a whole number; 3.0 is accepted, 3.5 and 3人 are not. Sign is not judged."""
    if isinstance(value, bool):
        raise _not_a_whole_number()
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            raise _not_a_whole_number()
        return int(value)
    match = _INT.fullmatch(normalize_text(value))
    if not match:
        raise _not_a_whole_number()
    return int(match["sign"] + match["int"].replace(",", ""))


def split_list(value: Any) -> list[str]:
    """Split on 、，,；; and whitespace; drop empties and duplicates, keep order."""
    parts = _LIST_SEPARATORS.split(normalize_text(value))
    return list(dict.fromkeys(part for part in parts if part))


def parse_bool_zh(value: Any) -> bool | None:
    """Parse 是/否, Y/N, yes/no, true/false, 1/0, √/×; blank gives None."""
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    text = normalize_text(value).lower()
    if not text:
        return None
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise ValueError(_("Not a yes/no value: enter 是 or 否."))


def decode_csv_bytes(data: bytes) -> str:
    """Decode an uploaded CSV saved as UTF-8 (with or without BOM) or GB18030/GBK."""
    # UTF-8 is tried first because it is strict: non-ASCII GBK text almost never
    # forms valid UTF-8 sequences, so a successful decode is trustworthy.
    # GB18030 is the opposite: it maps nearly every byte sequence to some
    # character, so trying it first would turn UTF-8 files into mojibake.
    # GB18030 is a superset of GBK and GB2312, which Chinese Excel writes.
    has_bom = data.startswith(codecs.BOM_UTF8)
    encodings = ("utf-8-sig",) if has_bom else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("Cannot read the file: save it as CSV in UTF-8 or GBK (GB18030) encoding."))
