"""Reads over the register that are more than one filter."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.text import smart_split

from cases.idnumbers import IdNumberError, validate_id_number
from cases.models import Case, HouseholdMember


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


def id_numbers_in(search_term: str) -> list[str]:
    """The canonical ID numbers among the words of a list search (as the admin splits
    it: quoted phrases are one word); empty when no word is a whole ID number."""
    numbers = []
    for word in smart_split(search_term or ""):
        if word[:1] in "\"'" and word[-1:] == word[:1] and len(word) > 1:
            word = word[1:-1]
        try:
            numbers.append(validate_id_number(word.strip()))
        except IdNumberError:
            continue
    return list(dict.fromkeys(numbers))


def access_subjects_for_id_number(
    term: str,
) -> tuple[str, list[QuerySet[Any]]] | None:
    """For the access log (``settings.ACCESS_LOG_ID_SUBJECTS``): the canonical number and
    the records it names — the person's case, the cases it is a household member of, and
    those members — or ``None`` when ``term`` is not an ID number."""
    try:
        number = validate_id_number((term or "").strip())
    except IdNumberError:
        return None
    members = HouseholdMember.objects.filter(id_number=number)
    cases = Case.objects.filter(Q(id_number=number) | Q(pk__in=members.values("case_id")))
    return number, [cases, members]
