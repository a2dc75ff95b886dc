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


#: Searches this short match names by their start: no trigram fits in them.
SHORT_NAME_SEARCH = 2


def cases_by_short_name(queryset: QuerySet[Case], search_term: str) -> QuerySet[Case] | None:
    """The cases of ``queryset`` whose name starts with a one- or two-character
    ``search_term`` (a surname, or a two-character name and the longer names that begin
    with it); ``None`` for longer terms, which keep the substring search.

    The substring search cannot use the trigram index below three characters and read
    every case in scope; a prefix uses an index (``cases`` migration 0006) and is as
    fast as an ID search. It finds every name the substring search found that *starts*
    with the term, so every name of up to two characters it found; names holding the
    term further in (李王芳 for 王芳, 王芳 for 芳) are left out, as a clerk typing a
    surname or a whole short name means. Phone numbers are not searched by two digits.
    """
    term = search_term.strip()
    if not term or len(term) > SHORT_NAME_SEARCH or any(ch.isspace() for ch in term):
        return None
    return queryset.filter(name__istartswith=term)


def line_in_force(unit: UnionUnit, on: datetime.date) -> SubsistenceLine | None:
    """The 低保 line ``unit`` lives under on ``on`` (its own or the nearest unit's above),
    or ``None`` when no unit above it has set one yet. One query."""
    return SubsistenceLine.objects.in_force_for(unit, on).first()
