"""Reads over the register that are more than one filter."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.text import smart_split
from django.utils.translation import gettext as _

from cases.idnumbers import IdNumberError, validate_id_number
from cases.models import (
    Case,
    ConsentForm,
    FilingRequirement,
    HouseholdMember,
    NoticeObjection,
    ObjectionOutcome,
    PublicNotice,
    RegistrationYear,
    SubsistenceLine,
)
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


def years_registered(user) -> list[int]:
    """The years in which files in ``user``'s scope were registered (the case list's year
    strip): a few stored rows per unit (``RegistrationYear``), whatever the register holds."""
    return list(
        RegistrationYear.objects.for_user(user)
        .filter(cases__gt=0)
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


def line_in_force(unit: UnionUnit, on: datetime.date) -> SubsistenceLine | None:
    """The 低保 line ``unit`` lives under on ``on`` (its own or the nearest unit's above),
    or ``None`` when no unit above it has set one yet. One query."""
    return SubsistenceLine.objects.in_force_for(unit, on).first()


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


# --- public notice and consent ------------------------------------------------------------


def requirement_for(unit: UnionUnit) -> FilingRequirement | None:
    """The notice-and-consent rule ``unit`` lives under (its own or the nearest above)."""
    return FilingRequirement.objects.applying_to(unit).first()


def notice_days_for(unit: UnionUnit) -> int:
    rule = requirement_for(unit)
    return rule.notice_days if rule is not None else settings.RELIEF_NOTICE_DAYS


def default_notice_end(case: Case, starts_on: datetime.date | None) -> datetime.date | None:
    """The last day of a notice from ``starts_on`` that runs the unit's days."""
    if starts_on is None:
        return None
    return starts_on + datetime.timedelta(days=notice_days_for(case.unit) - 1)


def notice_period_problem(
    case: Case, starts_on: datetime.date | None, ends_on: datetime.date | None
) -> str | None:
    """Why a notice period is refused for ``case`` (shorter than its unit requires)."""
    rule = requirement_for(case.unit)
    if rule is None or not rule.requires_notice or not (starts_on and ends_on):
        return None
    if (ends_on - starts_on).days + 1 < rule.notice_days:
        return _("%(unit)s requires at least %(days)d days of public notice.") % {
            "unit": rule.unit.name,
            "days": rule.notice_days,
        }
    return None


def verification_blockers(case: Case, on: datetime.date) -> list[str]:
    """Why ``case`` cannot be verified on ``on`` for want of its public notice or its
    signed authorisation: one sentence per reason, empty when nothing blocks.

    An unresolved objection blocks in every unit. Where the unit requires 公示, the
    latest notice must have run its full course (its end date is its last day, so it
    blocks until the day after) without an upheld objection. Where it requires the
    授权委托书, one must be on file.
    """
    reasons = []
    saved = case.pk is not None  # a sheet row of a new person has neither
    open_objections = (
        list(
            NoticeObjection.objects.filter(notice__case=case, outcome=ObjectionOutcome.OPEN)
            .order_by("received_on", "pk")
            .values_list("content", flat=True)
        )
        if saved
        else []
    )
    if open_objections:
        reasons.append(
            _("an objection raised during the public notice is unresolved (%(objection)s)")
            % {"objection": "；".join(text[:40] for text in open_objections)}
        )
    rule = requirement_for(case.unit)
    if rule is not None and rule.requires_notice:
        latest = (
            PublicNotice.objects.filter(case=case).order_by("-starts_on", "-pk").first()
            if saved
            else None
        )
        if latest is None:
            reasons.append(
                _("%(unit)s requires a public notice of %(days)d days and none was posted")
                % {"unit": rule.unit.name, "days": rule.notice_days}
            )
        elif latest.ends_on >= on:
            reasons.append(
                _("the public notice runs until %(date)s; verify it after that day")
                % {"date": f"{latest.ends_on:%Y-%m-%d}"}
            )
        elif latest.objections.filter(outcome=ObjectionOutcome.UPHELD).exists():
            reasons.append(
                _(
                    "an objection to the latest public notice was upheld: correct the file "
                    "and post it again"
                )
            )
    if rule is not None and rule.requires_consent:
        if not (saved and ConsentForm.objects.filter(case=case).exists()):
            reasons.append(
                _("%(unit)s requires the signed authorisation (授权委托书) and none is on file")
                % {"unit": rule.unit.name}
            )
    return reasons
