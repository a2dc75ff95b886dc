"""Tests for cases.idnumbers (GB 11643-1999 resident ID numbers). No database needed."""

import random
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases.idnumbers import (
    IdNumberError,
    IdNumberValidator,
    birth_date_from_id,
    check_digit,
    gender_from_id,
    mask_id_number,
    normalize_id_number,
    random_id_number,
    validate_id_number,
)

TODAY = date(2024, 6, 15)


def reference_check_digit(first17: str) -> str:
    """Independent GB 11643 implementation: weight of position i (from the right,
    the check digit being position 1) is 2**(i-1) mod 11, and the check value is
    the a1 with (sum + a1) mod 11 == 1, i.e. (12 - sum mod 11) mod 11 ("X" for 10)."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    return first17 + reference_check_digit(first17)


def error_code(raw: str, today: date = TODAY) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(raw, today=today)
    return excinfo.value.code


# --- check digit ------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # the well-known sample 11010519491231002X
        ("32058319800101123", "8"),  # worked by hand: weighted sum 235, 235 % 11 = 4 -> "8"
        ("44052418800101001", "4"),  # the well-known sample 440524188001010014
        ("00000000000000000", "1"),  # sum 0 -> "1"
    ],
)
def test_check_digit_known_values(first17, expected):
    assert check_digit(first17) == expected
    assert reference_check_digit(first17) == expected


def test_check_digit_matches_reference_on_random_inputs():
    rng = random.Random(11643)
    seen = set()
    for _ in range(500):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        digit = check_digit(first17)
        assert digit == reference_check_digit(first17)
        seen.add(digit)
    assert seen == set("0123456789X")


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "110105194912310021", "1101051949123100X", ""]
)
def test_check_digit_rejects_non_17_digit_input(bad):
    with pytest.raises(ValueError, match=re.escape(f"expected 17 ASCII digits, got {bad!r}")):
        check_digit(bad)


# --- normalisation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        ("  11010519491231002X\t\n", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("\u3000110105\u300019491231002X\u3000", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("\ufeff110105\u200b19491231002X\xa0", "11010519491231002X"),
        ("x12", "x12"),  # only a trailing x is upper-cased
        ("", ""),
    ],
)
def test_normalize_id_number(raw, expected):
    assert normalize_id_number(raw) == expected


def test_normalize_does_not_validate():
    assert normalize_id_number(" abc ") == "abc"


# --- valid numbers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("320583198001011238", "320583198001011238"),
        (" 320583 19800101 1238 ", "320583198001011238"),
        ("３２０５８３１９８００１０１１２３８", "320583198001011238"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("\u3000１１０１０５１９４９１２３１００２ｘ\u3000", "11010519491231002X"),
        (with_check("32058320000229456"), with_check("32058320000229456")),  # leap day
        (with_check("81000019000101001"), with_check("81000019000101001")),  # first day allowed
        (with_check("32058320240615001"), with_check("32058320240615001")),  # born "today"
    ],
)
def test_valid_id_numbers(raw, expected):
    assert validate_id_number(raw, today=TODAY) == expected


def test_default_today_is_used_without_argument():
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


# --- legacy 15-digit numbers ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("320583800101123", "320583198001011238"),  # check digit worked by hand above
        ("110105491231002", "11010519491231002X"),
        ("３２０５８３８００１０１１２３", "320583198001011238"),
        (" 320583 800101 123 ", "320583198001011238"),
        ("440524000101001", "440524190001010017"),  # 1 January 1900, the earliest date
    ],
)
def test_legacy_15_digit_numbers_are_upgraded(raw, expected):
    assert validate_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("320583800230123", "birth_date"),  # 30 February 1980
        ("320583801301123", "birth_date"),  # month 13
        ("320583800100123", "birth_date"),  # day 0
        ("320583000229123", "birth_date"),  # 1900 was not a leap year
        ("920583800101123", "region"),
        ("020583800101123", "region"),
    ],
)
def test_invalid_legacy_numbers(raw, code):
    assert error_code(raw) == code


def test_legacy_number_has_no_checksum_to_verify():
    # Any 15th digit is accepted; the computed check digit follows from it.
    for last in "0123456789":
        result = validate_id_number("32058380010112" + last, today=TODAY)
        assert result == with_check("3205831980010112" + last)


# --- invalid numbers --------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",
        "110105194912310020",
        "320583198001011230",
        "320583198001011239",
        "32058319800101123X",
        "11010519491231003X",  # one sequence digit changed
        "11010519491213002X",  # transposed digits
    ],
)
def test_wrong_check_digit(raw):
    assert error_code(raw) == "checksum"


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("32058319800230123", "birth_date"),  # 30 February
        ("32058319801301123", "birth_date"),  # month 13
        ("32058319800001123", "birth_date"),  # month 0
        ("32058319800132123", "birth_date"),  # 32 January
        ("32058319010229123", "birth_date"),  # 1901 not a leap year
        ("32058320240616123", "birth_date"),  # tomorrow (TODAY is 2024-06-15)
        ("32058320991231123", "birth_date"),  # far future
        ("32058318991231123", "birth_date"),  # before 1900
        ("44052418800101001", "birth_date"),  # the 1880 sample, valid checksum
        ("92058319800101123", "region"),
        ("02058319800101123", "region"),
    ],
)
def test_impossible_numbers_with_correct_checksum(first17, code):
    # The check digit is right, so the error can only come from the named check.
    assert error_code(with_check(first17)) == code


def test_future_birth_date_relative_to_real_today():
    tomorrow = timezone.localdate() + timedelta(days=1)
    raw = with_check(f"320583{tomorrow:%Y%m%d}123")
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(raw)
    assert excinfo.value.code == "birth_date"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "11010519491231002",  # 17
        "11010519491231002XX",  # 19
        "1101051949123100",  # 16
        "32058380010112",  # 14
        "3205831980010112",  # 16
        "1101051949123100X2",  # X not last
        "11010519A91231002X",  # letter in the middle
        "11010519491231002Y",  # wrong final letter
        "32058380010112X",  # legacy numbers have no X
        "110105-19491231-002X",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_wrong_length_or_characters(raw):
    assert error_code(raw) == "length"


@pytest.mark.parametrize(
    "raw",
    [
        "3.20583E+17",
        "3.20583198001011E+17",
        "3.20583198001011e+17",
        "3.2058319800101E+17",
        " 3.20583E+17 ",
        "３.２０５８３Ｅ＋１７",
        "3E+17",
        "320583198001011000.0",
    ],
)
def test_excel_scientific_notation(raw):
    assert error_code(raw) == "scientific"


def test_scientific_message_tells_to_format_column_as_text():
    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            validate_id_number("3.20583E+17")
        message = str(excinfo.value.messages[0])
    assert "Excel converted" in message
    assert "number" in message
    assert "Format the column as text" in message


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("123", "length", "18 characters"),
        ("110105194912310021", "checksum", "check digit"),
        ("320583198002301238", "birth_date", "not a real date"),
        (with_check("32058320991231123"), "birth_date", "before 1900 or in the future"),
        (with_check("92058319800101123"), "region", "region code"),
    ],
)
def test_error_messages(raw, code, fragment):
    with translation.override("en"):
        with pytest.raises(IdNumberError) as excinfo:
            validate_id_number(raw, today=TODAY)
        message = str(excinfo.value.messages[0])
    assert excinfo.value.code == code
    assert fragment in message


def test_id_number_error_is_a_validation_error():
    assert issubclass(IdNumberError, ValidationError)


# --- derivations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_number", "birth", "gender"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),  # 17th digit 2
        ("320583198001011238", date(1980, 1, 1), "M"),  # 17th digit 3
        (with_check("32058320000229450"), date(2000, 2, 29), "F"),
        (with_check("32058319991105459"), date(1999, 11, 5), "M"),
        ("320583800101123", date(1980, 1, 1), "M"),  # legacy: 15th digit
        ("320583800101124", date(1980, 1, 1), "F"),
    ],
)
def test_birth_date_and_gender(id_number, birth, gender):
    assert birth_date_from_id(id_number) == birth
    assert gender_from_id(id_number) == gender


MALFORMED = "not a 15- or 18-character ID number:"


@pytest.mark.parametrize(
    ("bad", "date_error"),
    [
        ("", MALFORMED),
        ("123", MALFORMED),
        ("11010519A91231002X", MALFORMED),
        ("320583198002301238", "no valid birth date in"),
    ],
)
def test_derivations_reject_malformed_input(bad, date_error):
    with pytest.raises(ValueError, match=re.escape(f"{date_error} {bad!r}")):
        birth_date_from_id(bad)
    if bad != "320583198002301238":  # gender is readable even when the date is not
        with pytest.raises(ValueError, match=re.escape(f"{MALFORMED} {bad!r}")):
            gender_from_id(bad)


# --- masking ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", "110105********002X"),
        ("320583198001011238", "320583********1238"),
        ("320583800101123", "320**********23"),
        ("1234567", "123**67"),
        ("123456", "123*56"),
        ("12345", "*****"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_id_number(value, expected):
    masked = mask_id_number(value)
    assert masked == expected
    assert len(masked) == len(value)


# --- validator --------------------------------------------------------------


def test_validator_accepts_valid_and_rejects_invalid():
    validator = IdNumberValidator()
    assert validator("11010519491231002X") is None
    with pytest.raises(ValidationError) as excinfo:
        validator("110105194912310021")
    assert excinfo.value.code == "checksum"


def test_validator_is_deconstructible_and_comparable():
    path, args, kwargs = IdNumberValidator().deconstruct()
    assert path == "cases.idnumbers.IdNumberValidator"
    assert (args, kwargs) == ((), {})
    assert IdNumberValidator() == IdNumberValidator()
    assert hash(IdNumberValidator()) == hash(IdNumberValidator())


# --- generator --------------------------------------------------------------


def test_random_id_numbers_are_valid_and_deterministic():
    rng, same_seed = random.Random(42), random.Random(42)
    numbers = [random_id_number(rng) for _ in range(300)]
    assert numbers == [random_id_number(same_seed) for _ in range(300)]
    assert len(set(numbers)) > 250
    for number in numbers:
        assert len(number) == 18
        assert number.startswith("320583")
        assert number[-1] == reference_check_digit(number[:17])
        assert validate_id_number(number) == number
        assert date(1940, 1, 1) <= birth_date_from_id(number) <= date(2005, 12, 31)
    assert {gender_from_id(n) for n in numbers} == {"M", "F"}


@pytest.mark.parametrize("gender", ["M", "F"])
def test_random_id_number_with_fixed_fields(gender):
    rng = random.Random(7)
    for _ in range(50):
        number = random_id_number(rng, region="110105", birth=date(1975, 3, 9), gender=gender)
        assert number[:14] == "11010519750309"
        assert gender_from_id(number) == gender
        assert validate_id_number(number) == number


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "920583"}, "region must be 6 digits starting with 1-8, got '920583'"),
        ({"region": "32058"}, "region must be 6 digits starting with 1-8, got '32058'"),
        ({"region": "32058A"}, "region must be 6 digits starting with 1-8, got '32058A'"),
        ({"gender": "X"}, "gender must be 'M' or 'F', got 'X'"),
    ],
)
def test_random_id_number_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        random_id_number(random.Random(0), **kwargs)
