"""Money is ``Decimal`` yuan with two places, everywhere: one shape, one rounding, one
way to read it from a person and one way to show it to them."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.text import normalize_text

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
# Digits allowed before the decimal point (999,999,999,999.99 at most).
MONEY_INTEGER_DIGITS = MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES
ZERO = Decimal("0.00")
YUAN = FEN = Decimal("0.01")  # the smallest amount: one fen (YUAN kept as the quantum's name)

_GROUPED_OR_PLAIN = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_MONEY = re.compile(
    r"(?P<sign1>[-+]?)\s*(?:¥\s*)?(?P<sign2>[-+]?)"
    rf"(?P<int>{_GROUPED_OR_PLAIN})(?:\.(?P<frac>\d+))?"
    r"\s*(?:元整?)?",
    re.ASCII,
)


class MoneyField(models.DecimalField):
    """Yuan as ``Decimal`` with two places; never a float."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # Migrations see a plain DecimalField, so moving this class never touches them.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyFormField, **kwargs})


def quantize_yuan(value: Decimal) -> Decimal:
    """Round to whole fen (0.01), halves away from zero."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def format_yuan(value: Decimal | None) -> str:
    """Yuan as people write it: thousands separators and two places."""
    if value is None:
        return ""
    return f"{quantize_yuan(Decimal(value)):,.2f}"


def _not_an_amount() -> ValueError:
    return ValueError(_("Not an amount: enter a number such as 800 or 800.50."))


def _money_from_text(value: object) -> Decimal:
    text = normalize_text(value).replace("\u2212", "-")  # U+2212 MINUS SIGN
    match = _MONEY.fullmatch(text)
    if not match or (match["sign1"] and match["sign2"]):
        raise _not_an_amount()
    sign = match["sign1"] or match["sign2"]
    digits = match["int"].replace(",", "")
    if match["frac"] is not None:
        digits += "." + match["frac"]
    return Decimal(sign + digits)


def parse_money(value: object) -> Decimal:
    """Parse an amount in yuan; returns a Decimal with two places. Sign is not judged."""
    if isinstance(value, bool):
        raise _not_an_amount()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _not_an_amount()
        # 15 significant digits is what Excel itself stores and shows, so this
        # drops binary noise (0.1 + 0.2 -> "0.3") without any float arithmetic.
        amount = Decimal(format(value, ".15g"))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        amount = _money_from_text(value)
    if not amount.is_finite():
        raise _not_an_amount()
    if amount and amount.adjusted() >= MONEY_INTEGER_DIGITS:
        raise ValueError(
            _("Amount too large: at most %(digits)d digits before the decimal point.")
            % {"digits": MONEY_INTEGER_DIGITS}
        )
    try:
        result = quantize_yuan(amount)
    except InvalidOperation:
        raise _not_an_amount() from None
    if result != amount:
        raise ValueError(_("An amount may have at most two decimal places."))
    if not result:
        return ZERO  # no "-0.00"
    return result


class MoneyFormField(forms.DecimalField):
    """A form's amount in yuan, read exactly as a sheet's cell is (``parse_money``).

    One rule for both doors: full-width digits (an input method's slip) are read as
    digits, as in every text field; ``1E+3`` (an exponent, what Excel shows for a long
    number) and digits of other scripts such as Arabic-Indic ``١٠٠٠`` are refused with
    the same words as in a sheet. Python's ``Decimal`` would take all three, which is
    why Django's own DecimalField accepted what the sheet refused.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_money(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
