"""The filing rules of ``FILING.md`` as arithmetic: the household figure and its terms.

Pure functions over amounts, so the services, the case page and the tests apply one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

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
