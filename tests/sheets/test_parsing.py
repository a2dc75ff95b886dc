import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, YUAN, parse_money, quantize_yuan
from core.text import normalize_text
from sheets.parsing import (
    decode_csv_bytes,
    parse_bool_zh,
    parse_date,
    parse_int,
    split_list,
)

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English whatever the catalogs hold.
    with translation.override("en"):
        yield


# --- constants and quantize_yuan -------------------------------------------


def test_money_constants():
    assert MONEY_MAX_DIGITS == 14
    assert MONEY_DECIMAL_PLACES == 2
    assert Decimal("0.01") == YUAN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("800"), "800.00"),
        (Decimal("0.005"), "0.01"),
        (Decimal("0.004"), "0.00"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("1.10"), "1.10"),
    ],
)
def test_quantize_yuan(value, expected):
    result = quantize_yuan(value)
    assert str(result) == expected


# --- normalize_text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  张三  ", "张三"),
        ("１２３", "123"),
        ("Ｘ", "X"),
        ("ａｂｃ", "abc"),
        ("１，０００．５０", "1,000.50"),
        ("地址：北京", "地址:北京"),
        ("张\u3000\u3000三", "张 三"),
        ("a \t\n b", "a b"),
        ("\ufeff姓名", "姓名"),
        ("张\u200b三", "张三"),
        ("中华全国总工会", "中华全国总工会"),
        ("11010519491231002Ｘ", "11010519491231002X"),
        (123, "123"),
        (Decimal("8.50"), "8.50"),
    ],
)
def test_normalize_text(value, expected):
    assert normalize_text(value) == expected


# --- parse_date -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2007-02-07", D(2007, 2, 7)),
        ("2007-2-7", D(2007, 2, 7)),
        ("2007/2/7", D(2007, 2, 7)),
        ("2007/02/07", D(2007, 2, 7)),
        ("2007.2.7", D(2007, 2, 7)),
        ("2007年2月7日", D(2007, 2, 7)),
        ("2007年02月07日", D(2007, 2, 7)),
        ("2007 年 2 月 7 日", D(2007, 2, 7)),
        ("2007年2月7", D(2007, 2, 7)),
        ("20070207", D(2007, 2, 7)),
        ("  2007-02-07  ", D(2007, 2, 7)),
        ("２００７－０２－０７", D(2007, 2, 7)),
        ("２００７年２月７日", D(2007, 2, 7)),
        ("２００７／２／７", D(2007, 2, 7)),
        ("2007-02-07 00:00:00", D(2007, 2, 7)),
        ("2007/2/7 0:00", D(2007, 2, 7)),
        ("2024-02-29", D(2024, 2, 29)),
        (D(2007, 2, 7), D(2007, 2, 7)),
        (datetime.datetime(2007, 2, 7, 0, 0), D(2007, 2, 7)),
        (datetime.datetime(2007, 2, 7, 15, 30), D(2007, 2, 7)),
        # Excel serial numbers.
        (39120, D(2007, 2, 7)),
        (39120.0, D(2007, 2, 7)),
        (39120.75, D(2007, 2, 7)),
        (Decimal("39120"), D(2007, 2, 7)),
        (61, D(1900, 3, 1)),
        (73415, D(2100, 12, 31)),
        # 20070207 typed into a number cell.
        (20070207, D(2007, 2, 7)),
        (20070207.0, D(2007, 2, 7)),
    ],
)
def test_parse_date_accepts(value, expected):
    result = parse_date(value)
    assert result == expected
    assert type(result) is datetime.date


NOT_A_DATE = "Not a date: enter it as 2007-02-07."
NO_SUCH_DATE = "This date does not exist: check the month and day."
OUT_OF_RANGE = "Date out of range: the year must be between 1900 and 2100."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, NOT_A_DATE),
        ("", NOT_A_DATE),
        ("   ", NOT_A_DATE),
        ("abc", NOT_A_DATE),
        ("07/02/2007", NOT_A_DATE),
        ("7/2/2007", NOT_A_DATE),
        ("07-2-7", NOT_A_DATE),
        ("2007-02", NOT_A_DATE),
        ("2007年2月", NOT_A_DATE),
        ("2007-02/07", NOT_A_DATE),
        ("2007 02 07", NOT_A_DATE),
        ("2007020", NOT_A_DATE),
        ("39120", NOT_A_DATE),
        ("2007-02-07x", NOT_A_DATE),
        ("٢٠٠٧-٠٢-٠٧", NOT_A_DATE),
        ("2007-02-30", NO_SUCH_DATE),
        ("2007-13-01", NO_SUCH_DATE),
        ("2007年2月29日", NO_SUCH_DATE),
        ("20070230", NO_SUCH_DATE),
        ("2007-00-10", NO_SUCH_DATE),
        ("1899-12-31", OUT_OF_RANGE),
        ("2101-01-01", OUT_OF_RANGE),
        ("0207-02-07", OUT_OF_RANGE),
        (D(1800, 1, 1), OUT_OF_RANGE),
        (datetime.datetime(2200, 1, 1), OUT_OF_RANGE),
        # Numbers outside the plausible Excel serial range.
        (0, NOT_A_DATE),
        (60, NOT_A_DATE),
        (-5, NOT_A_DATE),
        (73416, NOT_A_DATE),
        (1e9, NOT_A_DATE),
        (float("nan"), NOT_A_DATE),
        (float("inf"), NOT_A_DATE),
        (Decimal("NaN"), NOT_A_DATE),
        # A bare year in a number cell is not silently turned into 1905.
        (1965, NOT_A_DATE),
        (2007.0, NOT_A_DATE),
        (20070230, NO_SUCH_DATE),
        (20070207.5, NOT_A_DATE),
        (True, NOT_A_DATE),
        (datetime.time(12, 0), NOT_A_DATE),
    ],
)
def test_parse_date_refuses(value, message):
    with pytest.raises(ValueError) as excinfo:
        parse_date(value)
    assert str(excinfo.value) == message


# --- parse_money ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("800", "800.00"),
        ("800.00", "800.00"),
        ("800.5", "800.50"),
        ("800.000", "800.00"),
        ("0", "0.00"),
        ("0.05", "0.05"),
        ("1,000", "1000.00"),
        ("1,000.50", "1000.50"),
        ("1,234,567.89", "1234567.89"),
        ("1，000.50", "1000.50"),
        ("1，000", "1000.00"),
        ("800元", "800.00"),
        ("800 元", "800.00"),
        ("800.00元", "800.00"),
        ("800元整", "800.00"),
        ("￥800", "800.00"),
        ("¥800", "800.00"),
        ("¥ 800", "800.00"),
        ("￥1,000.50元", "1000.50"),
        ("８００", "800.00"),
        ("８００．５０", "800.50"),
        ("１，０００", "1000.00"),
        ("  800  ", "800.00"),
        ("-800", "-800.00"),
        ("+800", "800.00"),
        ("－800", "-800.00"),
        ("\u2212800", "-800.00"),
        ("¥-800", "-800.00"),
        ("-¥800", "-800.00"),
        ("-0", "0.00"),
        ("999999999999.99", "999999999999.99"),
        ("999,999,999,999.99", "999999999999.99"),
        # Native xlsx cell values.
        (800, "800.00"),
        (-800, "-800.00"),
        (0, "0.00"),
        (Decimal("800"), "800.00"),
        (Decimal("800.5"), "800.50"),
        (Decimal("800.500"), "800.50"),
        (Decimal("8E+2"), "800.00"),
        (800.0, "800.00"),
        (800.1, "800.10"),
        (800.5, "800.50"),
        (0.1 + 0.2, "0.30"),
        (0.7 + 0.1, "0.80"),
        (1.1 * 3, "3.30"),
        (-0.0, "0.00"),
        (123456789012.34, "123456789012.34"),
        (999999999999.99, "999999999999.99"),
    ],
)
def test_parse_money_accepts(value, expected):
    result = parse_money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


NOT_AN_AMOUNT = "Not an amount: enter a number such as 800 or 800.50."
TOO_MANY_PLACES = "An amount may have at most two decimal places."
TOO_LARGE = "Amount too large: at most 12 digits before the decimal point."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, NOT_AN_AMOUNT),
        ("", NOT_AN_AMOUNT),
        ("abc", NOT_AN_AMOUNT),
        ("元", NOT_AN_AMOUNT),
        ("¥", NOT_AN_AMOUNT),
        ("RMB800", NOT_AN_AMOUNT),
        ("800RMB", NOT_AN_AMOUNT),
        ("八百", NOT_AN_AMOUNT),
        ("800块", NOT_AN_AMOUNT),
        ("1,00", NOT_AN_AMOUNT),
        ("1,0000", NOT_AN_AMOUNT),
        ("1000,000", NOT_AN_AMOUNT),
        (",100", NOT_AN_AMOUNT),
        ("100,", NOT_AN_AMOUNT),
        ("800,50", NOT_AN_AMOUNT),
        ("1,000,00", NOT_AN_AMOUNT),
        ("8 00", NOT_AN_AMOUNT),
        ("800.", NOT_AN_AMOUNT),
        (".5", NOT_AN_AMOUNT),
        ("800.5.0", NOT_AN_AMOUNT),
        ("800。50", NOT_AN_AMOUNT),
        ("--800", NOT_AN_AMOUNT),
        ("-¥-800", NOT_AN_AMOUNT),
        ("1e3", NOT_AN_AMOUNT),
        ("NaN", NOT_AN_AMOUNT),
        ("Infinity", NOT_AN_AMOUNT),
        ("inf", NOT_AN_AMOUNT),
        ("٨٠٠", NOT_AN_AMOUNT),
        (float("nan"), NOT_AN_AMOUNT),
        (float("inf"), NOT_AN_AMOUNT),
        (float("-inf"), NOT_AN_AMOUNT),
        (Decimal("NaN"), NOT_AN_AMOUNT),
        (Decimal("Infinity"), NOT_AN_AMOUNT),
        (True, NOT_AN_AMOUNT),
        ("800.555", TOO_MANY_PLACES),
        ("800.001", TOO_MANY_PLACES),
        ("0.005", TOO_MANY_PLACES),
        ("-800.555", TOO_MANY_PLACES),
        (Decimal("800.555"), TOO_MANY_PLACES),
        (800.555, TOO_MANY_PLACES),
        (1.005, TOO_MANY_PLACES),
        ("1000000000000", TOO_LARGE),
        ("1,000,000,000,000.00", TOO_LARGE),
        ("-1000000000000", TOO_LARGE),
        (10**12, TOO_LARGE),
        (1e12, TOO_LARGE),
        (1e20, TOO_LARGE),
        (Decimal("1E+30"), TOO_LARGE),
    ],
)
def test_parse_money_refuses(value, message):
    with pytest.raises(ValueError) as excinfo:
        parse_money(value)
    assert str(excinfo.value) == message


# --- parse_int --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("３", 3),
        ("１２", 12),
        ("0", 0),
        ("-3", -3),
        ("+3", 3),
        ("3.0", 3),
        ("3.00", 3),
        ("1,000", 1000),
        (3, 3),
        (3.0, 3),
        (-2.0, -2),
        (Decimal("3"), 3),
        (Decimal("3.00"), 3),
    ],
)
def test_parse_int_accepts(value, expected):
    result = parse_int(value)
    assert result == expected
    assert type(result) is int


NOT_A_WHOLE_NUMBER = "Not a whole number: enter digits only, such as 3."


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "3.5",
        "3.",
        "3人",
        "三",
        "1,00",
        "3 4",
        "1e3",
        "٣",
        3.5,
        float("nan"),
        float("inf"),
        Decimal("3.5"),
        Decimal("NaN"),
        True,
        False,
    ],
)
def test_parse_int_refuses(value):
    with pytest.raises(ValueError) as excinfo:
        parse_int(value)
    assert str(excinfo.value) == NOT_A_WHOLE_NUMBER


# --- split_list -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        ("   ", []),
        ("张三", ["张三"]),
        ("张三、李四", ["张三", "李四"]),
        ("张三，李四", ["张三", "李四"]),
        ("张三,李四", ["张三", "李四"]),
        ("张三；李四", ["张三", "李四"]),
        ("张三;李四", ["张三", "李四"]),
        ("张三 李四", ["张三", "李四"]),
        ("张三\u3000李四", ["张三", "李四"]),
        ("张三\n李四", ["张三", "李四"]),
        ("张三、、李四", ["张三", "李四"]),
        ("、张三，李四；", ["张三", "李四"]),
        ("张三 、 李四 , 王五", ["张三", "李四", "王五"]),
        ("王五、张三、王五、李四、张三", ["王五", "张三", "李四"]),
        ("医疗，助学；生活、医疗", ["医疗", "助学", "生活"]),
        ("ＡＢ、ab", ["AB", "ab"]),
    ],
)
def test_split_list(value, expected):
    assert split_list(value) == expected


# --- parse_bool_zh ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("y", True),
        ("N", False),
        ("n", False),
        ("Ｙ", True),
        ("yes", True),
        ("YES", True),
        ("no", False),
        ("No", False),
        ("true", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("１", True),
        ("√", True),
        ("×", False),
        (" 是 ", True),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_bool_zh_accepts(value, expected):
    assert parse_bool_zh(value) is expected


@pytest.mark.parametrize("value", ["是的", "对", "maybe", "2", "-1", 2, 0.5, "yes no"])
def test_parse_bool_zh_refuses(value):
    with pytest.raises(ValueError) as excinfo:
        parse_bool_zh(value)
    assert str(excinfo.value) == "Not a yes/no value: enter 是 or 否."


# --- decode_csv_bytes -------------------------------------------------------

CSV_TEXT = "姓名,身份证号\n张三,1\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (CSV_TEXT.encode("utf-8"), CSV_TEXT),
        (CSV_TEXT.encode("utf-8-sig"), CSV_TEXT),
        (CSV_TEXT.encode("gb18030"), CSV_TEXT),
        (CSV_TEXT.encode("gbk"), CSV_TEXT),
        ("工会帮扶,金额\n李四,￥800\n".encode("gb18030"), "工会帮扶,金额\n李四,￥800\n"),
        # A character outside GBK, only GB18030 can hold it.
        ("𠀀,1\n".encode("gb18030"), "𠀀,1\n"),
        (b"name,id\nA,1\n", "name,id\nA,1\n"),
        (b"", ""),
        (b"\xef\xbb\xbf", ""),
    ],
)
def test_decode_csv_bytes(data, expected):
    result = decode_csv_bytes(data)
    assert result == expected
    assert not result.startswith("\ufeff")


def test_decode_csv_bytes_gb18030_is_not_valid_utf8():
    # Guards the test data above: the GB18030 case really takes the fallback.
    data = CSV_TEXT.encode("gb18030")
    with pytest.raises(UnicodeDecodeError) as error:
        data.decode("utf-8")

    # 0xD0 opens a two-byte UTF-8 sequence; GB18030's second byte cannot continue it.
    assert (error.value.start, error.value.reason) == (0, "invalid continuation byte")


@pytest.mark.parametrize(
    "data",
    [
        CSV_TEXT.encode("utf-16"),  # Excel "Unicode text"
        b"\xff\xff\xff",
        b"\x80",
        b"\xef\xbb\xbf" + CSV_TEXT.encode("gb18030"),  # BOM but not UTF-8
    ],
)
def test_decode_csv_bytes_refuses(data):
    with pytest.raises(ValueError) as excinfo:
        decode_csv_bytes(data)
    assert not isinstance(excinfo.value, UnicodeDecodeError)
    assert "encoding" in str(excinfo.value)
    assert str(excinfo.value) == (
        "Cannot read the file: save it as CSV in UTF-8 or GBK (GB18030) encoding."
    )
