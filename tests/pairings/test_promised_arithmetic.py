"""Promised to date: how many instalments have fallen due, for every period kind.

An instalment falls due on the start date and then on the same day of the month every
period after it, counted from the start (never from the previous due date), on the
month's last day when the month is shorter.
"""

import datetime
from decimal import Decimal

import pytest

from pairings.models import Agreement, AgreementStatus, Period, add_months, instalments_due

D = datetime.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2007, 1, 31), 1, D(2007, 2, 28)),
        (D(2008, 1, 31), 1, D(2008, 2, 29)),
        (D(2007, 1, 31), 2, D(2007, 3, 31)),
        (D(2007, 1, 31), 3, D(2007, 4, 30)),
        (D(2007, 11, 30), 3, D(2008, 2, 29)),
        (D(2007, 12, 31), 1, D(2008, 1, 31)),
        (D(2008, 2, 29), 12, D(2009, 2, 28)),
        (D(2008, 2, 29), 48, D(2012, 2, 29)),
        (D(2007, 3, 31), -1, D(2007, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last_day(start, months, expected):
    assert add_months(start, months) == expected


MONTHLY_FROM_JAN_31 = [
    # (on, instalments due): Jan 31, Feb 28, Mar 31, Apr 30 (2007 is not a leap year)
    (D(2007, 1, 30), 0),
    (D(2007, 1, 31), 1),
    (D(2007, 2, 27), 1),
    (D(2007, 2, 28), 2),
    (D(2007, 3, 30), 2),  # counted from the start: due Mar 31, not Mar 28
    (D(2007, 3, 31), 3),
    (D(2007, 4, 29), 3),
    (D(2007, 4, 30), 4),
]


@pytest.mark.parametrize(("on", "expected"), MONTHLY_FROM_JAN_31)
def test_monthly_from_january_31_across_month_ends(on, expected):
    assert instalments_due(D(2007, 1, 31), D(2007, 12, 31), Period.MONTHLY, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"), [(D(2008, 2, 28), 1), (D(2008, 2, 29), 2), (D(2008, 3, 30), 2)]
)
def test_monthly_from_january_31_in_a_leap_year_falls_due_on_february_29(on, expected):
    assert instalments_due(D(2008, 1, 31), D(2008, 12, 31), Period.MONTHLY, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # Nov 30 2007, Feb 29 2008, May 30 2008, Aug 30 2008, Nov 30 2008
        (D(2007, 11, 30), 1),
        (D(2008, 2, 28), 1),
        (D(2008, 2, 29), 2),
        (D(2008, 5, 29), 2),
        (D(2008, 5, 30), 3),
        (D(2008, 11, 30), 5),
    ],
)
def test_quarterly_across_a_leap_february(on, expected):
    assert instalments_due(D(2007, 11, 30), D(2010, 12, 31), Period.QUARTERLY, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # Feb 29 2008, then Feb 28 in 2009-2011, Feb 29 again in 2012
        (D(2008, 2, 29), 1),
        (D(2009, 2, 27), 1),
        (D(2009, 2, 28), 2),
        (D(2011, 2, 28), 4),
        (D(2012, 2, 28), 4),
        (D(2012, 2, 29), 5),
    ],
)
def test_yearly_from_february_29(on, expected):
    assert instalments_due(D(2008, 2, 29), D(2020, 12, 31), Period.YEARLY, on) == expected


@pytest.mark.parametrize("period", [Period.MONTHLY, Period.QUARTERLY, Period.YEARLY, Period.ONCE])
def test_nothing_is_due_before_the_start(period):
    assert instalments_due(D(2007, 1, 1), D(2009, 12, 31), period, D(2006, 12, 31)) == 0


@pytest.mark.parametrize(
    ("period", "expected"),
    [(Period.MONTHLY, 12), (Period.QUARTERLY, 4), (Period.YEARLY, 1), (Period.ONCE, 1)],
)
def test_nothing_more_falls_due_after_the_end(period, expected):
    start, end = D(2007, 1, 1), D(2007, 12, 31)

    at_end = instalments_due(start, end, period, end)
    years_later = instalments_due(start, end, period, D(2015, 6, 1))

    assert at_end == years_later == expected


@pytest.mark.parametrize("on", [D(2007, 2, 5), D(2007, 7, 31), D(2030, 1, 1)])
def test_a_one_off_agreement_promises_one_instalment_from_its_start(on):
    assert instalments_due(D(2007, 2, 5), D(2007, 7, 31), Period.ONCE, on) == 1


def test_a_year_long_agreement_ending_on_the_anniversary_promises_one_yearly_instalment():
    assert instalments_due(D(2007, 1, 1), D(2008, 1, 1), Period.YEARLY, D(2009, 1, 1)) == 1


def agreement(**fields) -> Agreement:
    values = {
        "amount": Decimal("300.00"),
        "period": Period.MONTHLY,
        "start": D(2007, 1, 31),
        "end": D(2007, 12, 31),
        "status": AgreementStatus.ACTIVE,
    }
    return Agreement(**{**values, **fields})


def test_promised_to_is_the_amount_times_the_instalments_due():
    assert agreement().promised_to(D(2007, 3, 31)) == Decimal("900.00")


def test_promised_to_a_one_off_agreement_is_its_amount():
    one_off = agreement(period=Period.ONCE, amount=Decimal("800.00"), start=D(2007, 2, 5))

    assert one_off.promised_to(D(2007, 2, 4)) == Decimal("0.00")
    assert one_off.promised_to(D(2007, 2, 5)) == Decimal("800.00")
    assert one_off.promised_to(D(2020, 1, 1)) == Decimal("800.00")


def test_a_draft_promises_nothing_yet():
    assert agreement(status=AgreementStatus.DRAFT).promised_to(D(2007, 12, 31)) == Decimal("0.00")


def test_an_agreement_past_its_end_promises_what_fell_due_until_the_end():
    expired = agreement(period=Period.QUARTERLY, amount=Decimal("300.00"))

    assert expired.promised_to(D(2015, 1, 1)) == Decimal("1200.00")


def test_yearly_promise_from_february_29_counts_february_28_in_common_years():
    leap = agreement(period=Period.YEARLY, start=D(2008, 2, 29), end=D(2012, 12, 31))

    assert leap.promised_to(D(2009, 2, 28)) == Decimal("600.00")
    assert leap.promised_to(D(2012, 2, 29)) == Decimal("1500.00")
