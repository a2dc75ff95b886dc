"""Reads over the register that are more than one filter."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from cases.idnumbers import IdNumberError, validate_id_number
from cases.models import Case, HouseholdMember, SubsistenceLine
from unions.models import UnionUnit


def cases_by_id_number(queryset: QuerySet[Case], search_term: str) -> QuerySet[Case] | None:
    """The cases of ``queryset`` with ``search_term`` as their own or a household
    member's resident ID number; ``None`` when the term is not a whole ID number.

    Any spelling is found (lower-case x, full-width digits, the old 15 digits), through
    the indexes instead of a text scan: one list of case ids (a UNION), not an OR across
    two tables, which would make the database read every case in scope instead of two
    index lookups.
    """
    term = search_term.strip()
    try:
        id_number = validate_id_number(term) if term else None
    except IdNumberError:
        return None
    if id_number is None:
        return None
    own = Case.objects.filter(id_number=id_number).values("pk")
    household = HouseholdMember.objects.filter(id_number=id_number).values("case_id")
    return queryset.filter(pk__in=own.union(household))


def line_in_force(unit: UnionUnit, on: datetime.date) -> SubsistenceLine | None:
    """The 低保 line ``unit`` lives under on ``on`` (its own or the nearest unit's above),
    or ``None`` when no unit above it has set one yet. One query."""
    return SubsistenceLine.objects.in_force_for(unit, on).first()
