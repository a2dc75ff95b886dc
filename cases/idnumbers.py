"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999).

One place for normalising, validating, converting, deriving from and masking ID
numbers, so that forms, the spreadsheet import and the CLI all agree on what a
valid number is and store the same canonical 18-character form.

Layout of an 18-character number::

    320583 19800101 123 X
    ^^^^^^ ^^^^^^^^ ^^^ ^
    region birth    seq check digit (0-9 or X); the last seq digit is odd for men

Legacy 15-digit numbers (issued before 1999) have a 2-digit year (always 19xx)
and no check digit.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core.text import INVISIBLE_CHARACTERS

__all__ = [
    "IdNumberError",
    "IdNumberValidator",
    "birth_date_from_id",
    "check_digit",
    "gender_from_id",
    "mask_id_number",
    "normalize_id_number",
    "random_id_number",
    "validate_id_number",
]

# GB 11643-1999 weights for the first 17 digits (2**(17 - i) mod 11).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11).
CHECK_CHARS = "10X98765432"

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

MESSAGES = {
    "length": _(
        "An ID number must have 18 characters (digits, the last one may be X) "
        "or be a legacy 15-digit number."
    ),
    "scientific": _(
        "Excel converted this ID number to a number and digits were lost. "
        "Format the column as text and enter the ID number again."
    ),
    "birth_date": _("The birth date in this ID number is not a real date."),
    "birth_date_range": _("The birth date in this ID number is before 1900 or in the future."),
    "checksum": _(
        "The check digit (last character) of this ID number is wrong. Check for typing mistakes."
    ),
    "region": _("The first six digits of this ID number are not a valid region code."),
}

# Full-width ASCII block (U+FF01..U+FF5E) maps onto ASCII 0x21..0x7E.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

_ID18_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID15_RE = re.compile(r"[0-9]{15}")
# What a spreadsheet number looks like once stringified: "3.20583E+17",
# "3.20583198001011E+17", "3.2058319800101e+17" or "320583198001011000.0".
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?[Ee][+-]?[0-9]+|[0-9]+\.[0-9]+")


class IdNumberError(ValidationError):
    """A ValidationError about an ID number; ``code`` says what is wrong.

    Codes: ``length``, ``scientific``, ``region``, ``birth_date``, ``checksum``.
    Being a ValidationError, forms and model validation handle it natively; the
    import and the CLI can catch it specifically.
    """


def _error(code: str, message_key: str | None = None) -> IdNumberError:
    return IdNumberError(MESSAGES[message_key or code], code=code)


def _today() -> date:
    """Today's date in the project time zone (falls back to the OS date outside Django)."""
    if settings.configured:
        return timezone.localdate()
    return date.today()


def normalize_id_number(raw: str) -> str:
    """Tidy up typed or pasted input without validating it.

    Removes all whitespace (also inner, full-width U+3000 and zero-width
    characters), converts full-width characters such as "３" or "Ｘ" to ASCII and
    upper-cases a trailing "x", so that the same number always compares equal.
    """
    if raw is None:
        return ""
    text = str(raw).translate(_FULL_WIDTH).translate(INVISIBLE_CHARACTERS)
    text = "".join(text.split())
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def check_digit(first17: str) -> str:
    """The GB 11643-1999 check character ("0"-"9" or "X") for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _parse_birth_date(digits: str) -> date | None:
    """The date for "YYYYMMDD", or None if no such day exists."""
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """Normalise, validate and return the canonical 18-character ID number.

    Legacy 15-digit numbers are upgraded to 18 digits ("19" is inserted before
    the 2-digit year and the check digit is computed); since they carry no check
    digit, only their region and birth date can be verified.

    Raises IdNumberError (a ValidationError) with code ``scientific``,
    ``length``, ``region``, ``birth_date`` or ``checksum``. ``today`` (default:
    today in the project time zone) bounds the birth date; tests pass it.
    """
    value = normalize_id_number(raw)
    if _NUMBER_RE.fullmatch(value):
        raise _error("scientific")

    legacy = _ID15_RE.fullmatch(value) is not None
    if not legacy and not _ID18_RE.fullmatch(value):
        raise _error("length")

    if value[0] not in "12345678":
        raise _error("region")

    birth_digits = "19" + value[6:12] if legacy else value[6:14]
    birth = _parse_birth_date(birth_digits)
    if birth is None:
        raise _error("birth_date")
    if not EARLIEST_BIRTH_DATE <= birth <= (today or _today()):
        raise _error("birth_date", "birth_date_range")

    if legacy:
        first17 = value[:6] + birth_digits + value[12:15]
        return first17 + check_digit(first17)

    if check_digit(value[:17]) != value[17]:
        raise _error("checksum")
    return value


def _canonical_digits(id_number: str) -> str:
    if not (_ID18_RE.fullmatch(id_number) or _ID15_RE.fullmatch(id_number)):
        raise ValueError(f"not a 15- or 18-character ID number: {id_number!r}")
    return id_number


def birth_date_from_id(id18: str) -> date:
    """The holder's birth date (digits 7-14; for legacy 15-digit numbers 19 + digits 7-12).

    Expects an already validated number; raises ValueError otherwise.
    """
    value = _canonical_digits(id18)
    digits = "19" + value[6:12] if len(value) == 15 else value[6:14]
    birth = _parse_birth_date(digits)
    if birth is None:
        raise ValueError(f"no valid birth date in {id18!r}")
    return birth


def gender_from_id(id18: str) -> str:
    """ "M" or "F" from the last sequence digit (17th of 18, 15th of 15): odd means male.

    Expects an already validated number; raises ValueError otherwise.
    """
    value = _canonical_digits(id18)
    return "M" if int(value[16 if len(value) == 18 else 14]) % 2 else "F"


def mask_id_number(id18: str) -> str:
    """The number for display with the personal part starred out.

    18 characters: first 6 (region) and last 4 kept, e.g. "320583********123X".
    Any other length: first 3 and last 2 kept; strings of 5 characters or fewer
    are starred completely so that nothing personal leaks. "" stays "".
    """
    if not id18:
        return ""
    if len(id18) == 18:
        return id18[:6] + "*" * 8 + id18[-4:]
    if len(id18) <= 5:
        return "*" * len(id18)
    return id18[:3] + "*" * (len(id18) - 5) + id18[-2:]


@deconstructible
class IdNumberValidator:
    """Model/form field validator: raises IdNumberError unless validate_id_number accepts it.

    It does not convert the value; forms and the import should store the
    canonical string returned by validate_id_number.
    """

    def __call__(self, value: str) -> None:
        validate_id_number(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdNumberValidator)

    def __hash__(self) -> int:
        return hash(IdNumberValidator)


def random_id_number(
    rng: random.Random,
    region: str = "320583",
    birth: date | None = None,
    gender: str | None = None,
) -> str:
    """A random valid 18-character ID number, for tests, demo data and benchmarks.

    Deterministic for a seeded ``rng``. Without ``birth`` the date is drawn from
    1940-01-01..2005-12-31; without ``gender`` it is "M" or "F" at random.
    """
    if not re.fullmatch(r"[1-8][0-9]{5}", region):
        raise ValueError(f"region must be 6 digits starting with 1-8, got {region!r}")
    if gender is None:
        gender = rng.choice("MF")
    if gender not in ("M", "F"):
        raise ValueError(f"gender must be 'M' or 'F', got {gender!r}")
    if birth is None:
        first, last = date(1940, 1, 1), date(2005, 12, 31)
        birth = first + timedelta(days=rng.randrange((last - first).days + 1))
    sequence = f"{rng.randrange(100):02d}{rng.choice('13579' if gender == 'M' else '02468')}"
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + check_digit(first17)


def person_label(name: str, id_number: str | None) -> str:
    """A person as a choice or an audit finding names them: 黄荣生（尾号 123X）.

    Two people of one name in one district are told apart by the last four characters
    of their ID number, which the masked number shows to everyone anyway.
    """
    tail = (id_number or "")[-4:]
    return f"{name}（{_('ID ending %(tail)s') % {'tail': tail}}）" if tail else name
