"""The one range of dates the register supports, for every door that takes a date.

A disbursement dated 0001-01-01 or 9999-12-31 was accepted by the admin, exported, and
then refused by the sheet that should re-import it: the admin forms (``validate_date``
on every date field, ``adminkit.scope``), the forms of the services and the sheets'
parser (``sheets.parsing``) all check this one range, with the same words.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Plausible years for any date in the relief records (birth dates of retirees included).
DATE_MIN_YEAR = 1900
DATE_MAX_YEAR = 2100


def out_of_range_message() -> str:
    return _("Date out of range: the year must be between %(min)d and %(max)d.") % {
        "min": DATE_MIN_YEAR,
        "max": DATE_MAX_YEAR,
    }


def is_supported(value: datetime.date) -> bool:
    return DATE_MIN_YEAR <= value.year <= DATE_MAX_YEAR


def validate_date(value: datetime.date | None) -> None:
    """A form or model validator: refuse a date (or date-time) outside the range."""
    if value is not None and not is_supported(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


class SupportedDateField(forms.DateField):
    """A form's date field that refuses dates outside the supported range."""

    default_validators = [validate_date]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def a_year_before(on: datetime.date) -> datetime.date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return on.replace(year=on.year - 1)
    except ValueError:
        return on.replace(year=on.year - 1, day=28)
