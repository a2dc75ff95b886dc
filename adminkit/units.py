"""The union unit a new record starts with on an add page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unions.models import Membership

if TYPE_CHECKING:
    from unions.models import User


def default_unit_id(user: User) -> int | None:
    """The user's unit when they belong to exactly one, otherwise none.

    One rule for every add page (cases, sponsors, agreements): a user of several units
    chooses, rather than getting whichever membership happens to be first.
    """
    units = set(Membership.objects.filter(user=user).values_list("unit", flat=True)[:2])
    return units.pop() if len(units) == 1 else None
