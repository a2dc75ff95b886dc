"""The filing rules of ``FILING.md`` as arithmetic: the household figure and its terms.

Pure functions over amounts, so the services, the case page and the tests apply one rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value, When
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from cases.models import CaseStatus, Category, HardshipType, SuddenEvent
from core.dates import a_year_before, add_months
from core.money import ZERO, format_yuan, quantize_yuan

MONTHS = 12


@dataclass(frozen=True)
class HouseholdFigure:
    """(annual disposable income of all members − rigid expenses) ÷ 12 ÷ people."""

    annual_income: Decimal
    rigid_expenses: Decimal
    people: int
    monthly_per_capita: Decimal


def household_figure(
    *, incomes: list[Decimal], expenses: list[Decimal], people: int | None
) -> HouseholdFigure | None:
    """The household figure, in whole fen (halves up), or ``None`` without the number of
    people living together. Expenses beyond the income give zero, not a negative figure:
    a household has nothing per head to live on, and the register stores no debt."""
    if not people or people < 1:
        return None
    income = sum(incomes, ZERO)
    spent = sum(expenses, ZERO)
    figure = quantize_yuan((income - spent) / MONTHS / people)
    return HouseholdFigure(income, spent, people, max(figure, ZERO))


def figure_terms(case) -> str:
    """The household figure of ``case`` with the terms behind it, for the case page."""
    if case.monthly_income_per_capita is None:
        return "-"
    figure = format_yuan(case.monthly_income_per_capita)
    if not case.income_itemised:
        return _("%(figure)s yuan per person per month (typed in, not itemised)") % {
            "figure": figure
        }
    return _(
        "(income %(income)s − rigid expenses %(expenses)s) ÷ 12 ÷ %(people)d people "
        "= %(figure)s yuan per person per month"
    ) % {
        "income": format_yuan(case.annual_household_income),
        "expenses": format_yuan(case.annual_rigid_expenses),
        "people": case.household_size or 0,
        "figure": figure,
    }


# --- 回访 (follow-ups after exit) ---------------------------------------------------------


def follow_up_months() -> tuple[int, ...]:
    """How many months after the exit each follow-up visit falls due (FILING.md: 6, 12)."""
    return tuple(getattr(settings, "RELIEF_FOLLOW_UP_MONTHS", (6, 12)))


def follow_up_due_after(exited_on: datetime.date, done: int) -> datetime.date | None:
    """When the next follow-up of an exit on ``exited_on`` is due, ``done`` visits
    already recorded after it; ``None`` once every one is done. 31 August + 6 months is
    28 (or 29) February: the month's last day when it is shorter."""
    months = follow_up_months()
    return add_months(exited_on, months[done]) if done < len(months) else None


# --- 困难类型 -------------------------------------------------------------------------------

SUDDEN_SHARE = (Decimal(4), Decimal(5))  # costs above 4/5 (80%) of the annual income


def hardship_type_of(case, *, line: Decimal | None, on: datetime.date) -> str:
    """困难类型 of ``case`` under the 低保 ``line`` (None: no line in force) on ``on``.

    深度困难 below the line, 相对困难 below twice the line, else 意外致困 when the event
    qualifies; a migrant worker qualifies only living in the city with a year employed.
    The same rule as :func:`hardship_type_expression`, row by row.
    """
    if case.category == Category.MIGRANT:
        if case.employed_since is None:
            return HardshipType.UNASSESSED
        if not case.lives_in_city or case.employed_since > a_year_before(on):
            return HardshipType.NONE
    figure = case.monthly_income_per_capita
    if figure is not None and line is not None:
        if figure < line:
            return HardshipType.DEEP
        if figure < 2 * line:
            return HardshipType.RELATIVE
    if case.sudden_event == SuddenEvent.DISASTER:
        return HardshipType.SUDDEN
    if case.status == CaseStatus.TEMPORARY and case.sudden_event:
        # A temporary file is the sudden event before the figures are known (FILING.md).
        return HardshipType.SUDDEN
    income = case.annual_household_income
    if (
        case.sudden_event == SuddenEvent.COSTLY
        and case.sudden_costs is not None
        and income is not None
    ):
        share, whole = SUDDEN_SHARE
        if case.sudden_costs * whole > income * share:
            return HardshipType.SUDDEN
    if figure is None or line is None:
        return HardshipType.UNASSESSED
    return HardshipType.NONE


def hardship_type_expression(*, line: Decimal | None, on: datetime.date) -> models.Case:
    """:func:`hardship_type_of` as one SQL ``CASE`` over a case row, for set-based updates."""
    migrant = Q(category=Category.MIGRANT)
    whens = [
        When(migrant & Q(employed_since__isnull=True), then=Value(HardshipType.UNASSESSED)),
        When(
            migrant & (Q(lives_in_city=False) | Q(employed_since__gt=a_year_before(on))),
            then=Value(HardshipType.NONE),
        ),
    ]
    if line is not None:
        whens += [
            When(monthly_income_per_capita__lt=line, then=Value(HardshipType.DEEP)),
            When(monthly_income_per_capita__lt=2 * line, then=Value(HardshipType.RELATIVE)),
        ]
    share, whole = SUDDEN_SHARE
    money = models.DecimalField(max_digits=16, decimal_places=2)
    whens += [
        When(sudden_event=SuddenEvent.DISASTER, then=Value(HardshipType.SUDDEN)),
        When(
            Q(status=CaseStatus.TEMPORARY) & ~Q(sudden_event=SuddenEvent.NONE),
            then=Value(HardshipType.SUDDEN),
        ),
        When(
            Q(sudden_event=SuddenEvent.COSTLY)
            & Q(
                GreaterThan(
                    ExpressionWrapper(F("sudden_costs") * whole, output_field=money),
                    ExpressionWrapper(F("annual_household_income") * share, output_field=money),
                )
            ),
            then=Value(HardshipType.SUDDEN),
        ),
    ]
    if line is not None:
        whens.append(When(monthly_income_per_capita__isnull=False, then=Value(HardshipType.NONE)))
    return models.Case(
        *whens, default=Value(HardshipType.UNASSESSED), output_field=models.CharField()
    )


def type_terms(case, line) -> str:
    """Why ``case`` has its type: the figure against the line, or the event."""
    if case.hardship_type == HardshipType.UNASSESSED:
        if line is None:
            return _("Not assessed: no minimum-living standard is in force for this unit.")
        return _("Not assessed: the household figure (or a migrant's employment) is missing.")
    label = str(HardshipType(case.hardship_type).label)
    if line is None or case.monthly_income_per_capita is None:
        return label
    return _(
        "%(type)s: household figure %(figure)s yuan against the minimum-living standard "
        "%(line)s yuan of %(unit)s (from %(date)s; twice the line %(twice)s yuan)"
    ) % {
        "type": label,
        "figure": format_yuan(case.monthly_income_per_capita),
        "line": format_yuan(line.monthly_amount),
        "unit": line.unit.name,
        "date": f"{line.effective_on:%Y-%m-%d}",
        "twice": format_yuan(2 * line.monthly_amount),
    }
