"""Retention (PRIVACY.md "Retention"): a file is kept ``settings.RETENTION_YEARS`` after it
leaves the register (已脱困, or removed), then its personal fields are anonymised
everywhere — the case and its household, their history rows, the free texts written
about the person (review notes, referral reasons) and the admin log's names of them —
while every money record keeps its amounts, dates, units and categories, so that past
reports add up to the same figures. The person then shows as 已匿名.

``anonymise_exited`` (the command) and the case list's action for the city
administrator call :func:`cases_anonymise`; every run, dry or not, is in the access log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import CharField, Max, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accesslog.models import Action
from accesslog.services import record_access
from cases import scans, shared_ids
from cases.models import (
    AnnualReview,
    Case,
    CaseStatus,
    ConsentForm,
    HouseholdMember,
    NoticeObjection,
    Referral,
)
from cases.permissions import ANONYMISE_CASE

ANONYMISED = "已匿名"
# The birth date is the ID number's middle: a fixed date in the supported range.
ANONYMISED_BIRTH_DATE = datetime.date(1900, 1, 1)


def anonymised_id_number(pk: int) -> str:
    """Unique (the register's key), never a valid ID number, and readable as such."""
    return f"{ANONYMISED}{pk:015d}"


# The same, written by the database for many rows in one UPDATE (the case's key is
# ``id`` on the case and on its history rows alike).
ANONYMISED_ID_NUMBER = Concat(
    Value(ANONYMISED), LPad(Cast("id", CharField()), 15, Value("0")), output_field=CharField()
)


# The personal fields of each model and what they become (a value, or a function of the
# row's key). History rows get the same.
CASE_FIELDS: dict[str, Any] = {
    "name": ANONYMISED,
    "id_number": None,  # ANONYMISED_ID_NUMBER
    "birth_date": ANONYMISED_BIRTH_DATE,
    "gender": "",
    "phone": "",
    "address": "",
    "employer": "",
    "notes": "",
}
MEMBER_FIELDS = {"name": ANONYMISED, "id_number": "", "school": "", "notes": ""}
REVIEW_FIELDS = {"notes": ""}
REFERRAL_FIELDS = {"reason": ANONYMISED, "rejection_reason": ""}
LEDGER_FIELDS = {"source": ANONYMISED}
# 公示 objections name people and what was said about them; the scanned authorisation's
# file name may name the person (the scan itself is removed from the private folder).
OBJECTION_FIELDS = {"raised_by": "", "content": ANONYMISED, "decision": ""}
CONSENT_FIELDS = {"scan_file_name": ANONYMISED}

TABLE_LABELS = {
    "cases": _("cases"),
    "case history rows": _("case history rows"),
    "household members": _("household members"),
    "household member history rows": _("household member history rows"),
    "annual reviews": _("annual reviews"),
    "annual review history rows": _("annual review history rows"),
    "referrals": _("referrals"),
    "referral history rows": _("referral history rows"),
    "ledger entries": _("ledger entries"),
    "ledger entry history rows": _("ledger entry history rows"),
    "admin log entries": _("admin log entries"),
    "objections": _("objections"),
    "objection history rows": _("objection history rows"),
    "signed authorisations": _("signed authorisations"),
    "signed authorisation history rows": _("signed authorisation history rows"),
}


def retention_cutoff(years: int, today: datetime.date | None = None) -> datetime.date:
    """The last exit date that is more than ``years`` years ago (29 February → 28)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years) - datetime.timedelta(days=1)
    except ValueError:
        return today.replace(year=today.year - years, day=28) - datetime.timedelta(days=1)


def cases_due(years: int, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases exited (or temporary files lapsed) on or before the cutoff and not
    anonymised yet."""
    queryset = Case.objects.all() if queryset is None else queryset
    cutoff = retention_cutoff(years)
    return queryset.filter(
        Q(status=CaseStatus.EXITED, exited_on__lte=cutoff)
        | Q(status=CaseStatus.LAPSED, lapsed_on__lte=cutoff)
    ).exclude(name=ANONYMISED)


def removed_cases_due(years: int) -> list[int]:
    """Keys of cases deleted more than ``years`` ago whose history still names them."""
    historical = Case.history.model
    cutoff = timezone.make_aware(
        datetime.datetime.combine(retention_cutoff(years), datetime.time.max)
    )
    last = (
        historical.objects.exclude(id__in=Case.objects.values("pk"))
        .values("id")
        .annotate(last=Max("history_date"))
        .filter(last__lte=cutoff)
        .exclude(name=ANONYMISED)
    )
    return sorted({row["id"] for row in last})


@dataclass
class RetentionRun:
    years: int
    cutoff: datetime.date
    dry_run: bool
    case_ids: list[int] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What the run touched (or, dry, would touch), one line per table."""
        return [f"{TABLE_LABELS[key]}：{count}" for key, count in self.counts.items()]


def _set(queryset: QuerySet, values: dict[str, Any]) -> int:
    # A plain UPDATE: these rows' own save() (history, validation of the ID number) is
    # exactly what must not run here.
    return (
        models.QuerySet(queryset.model, using=queryset.db)
        .filter(pk__in=queryset.values("pk"))
        .update(**values)
    )


def _log_entries_about(objects: dict[type[models.Model], list[int]]) -> QuerySet[LogEntry]:
    query = models.Q(pk__in=[])
    for model, pks in objects.items():
        if pks:
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            query |= models.Q(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    return LogEntry.objects.filter(query)


def _scrub(text: str, words: set[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, ANONYMISED)
    return text


def cases_anonymise(
    *,
    years: int | None = None,
    queryset: QuerySet[Case] | None = None,
    dry_run: bool = False,
    acting_user=None,
    request=None,
) -> RetentionRun:
    """Anonymise the cases past retention (of ``queryset``, or all), in one transaction.

    ``acting_user`` must hold ``cases.anonymise_case`` (a city administrator); the
    command runs without one (cron, the server's own account). Recorded in the access
    log whether dry or not.
    """
    if acting_user is not None and not acting_user.has_perm(ANONYMISE_CASE):
        raise PermissionDenied
    years = settings.RETENTION_YEARS if years is None else years
    run = RetentionRun(years=years, cutoff=retention_cutoff(years), dry_run=dry_run)
    with transaction.atomic():
        due = cases_due(years, queryset).select_for_update()
        run.case_ids = list(due.order_by("pk").values_list("pk", flat=True))
        run.removed_ids = removed_cases_due(years) if queryset is None else []
        ids = [*run.case_ids, *run.removed_ids]
        touched = _anonymise(ids, run.case_ids, dry_run)
        run.counts = touched
        record_access(
            request,
            Action.ANONYMISE_DRY_RUN if dry_run else Action.ANONYMISE,
            Case.objects.filter(pk__in=run.case_ids),
            user=acting_user,
            years=years,
            cutoff=run.cutoff.isoformat(),
            removed_cases=len(run.removed_ids),
            rows=touched,
        )
    return run


def _anonymise(ids: list[int], live_ids: list[int], dry_run: bool) -> dict[str, int]:
    history = {
        model: model.history.model for model in (Case, HouseholdMember, AnnualReview, Referral)
    }
    members = HouseholdMember.objects.filter(case_id__in=ids)
    member_ids = set(members.values_list("pk", flat=True)) | set(
        history[HouseholdMember].objects.filter(case_id__in=ids).values_list("id", flat=True)
    )
    reviews = AnnualReview.objects.filter(case_id__in=ids)
    referrals = Referral.objects.filter(case_id__in=ids)
    targets: list[tuple[str, QuerySet, dict[str, Any]]] = [
        ("cases", Case.objects.filter(pk__in=live_ids), CASE_FIELDS),
        ("case history rows", history[Case].objects.filter(id__in=ids), CASE_FIELDS),
        ("household members", members, MEMBER_FIELDS),
        (
            "household member history rows",
            history[HouseholdMember].objects.filter(id__in=member_ids),
            MEMBER_FIELDS,
        ),
        ("annual reviews", reviews, REVIEW_FIELDS),
        (
            "annual review history rows",
            history[AnnualReview].objects.filter(case_id__in=ids),
            REVIEW_FIELDS,
        ),
        ("referrals", referrals, REFERRAL_FIELDS),
        (
            "referral history rows",
            history[Referral].objects.filter(case_id__in=ids),
            REFERRAL_FIELDS,
        ),
    ]
    objection_ids = list(
        NoticeObjection.objects.filter(notice__case_id__in=ids).values_list("pk", flat=True)
    )
    consents = ConsentForm.objects.filter(case_id__in=ids)
    targets += [
        ("objections", NoticeObjection.objects.filter(pk__in=objection_ids), OBJECTION_FIELDS),
        (
            "objection history rows",
            NoticeObjection.history.model.objects.filter(id__in=objection_ids),
            OBJECTION_FIELDS,
        ),
        ("signed authorisations", consents, CONSENT_FIELDS),
        (
            "signed authorisation history rows",
            ConsentForm.history.model.objects.filter(case_id__in=ids),
            CONSENT_FIELDS,
        ),
    ]
    if not dry_run:
        # The scans go once the anonymisation is committed (a rollback keeps them).
        names = list(consents.values_list("scan_name", flat=True))

        def remove_scans() -> None:
            for name in names:
                scans.remove(name)

        transaction.on_commit(remove_scans)
    # A disbursement's ledger entry (and its reversal) names the person as its source.
    # Only that text changes: amounts, dates and balances stay as posted.
    from django.apps import apps

    ledger = apps.get_model("funds", "LedgerEntry")
    paid = apps.get_model("funds", "Disbursement").objects.filter(case_id__in=ids)
    entry_ids = set(paid.exclude(ledger_entry=None).values_list("ledger_entry_id", flat=True))
    entry_ids |= set(
        models.QuerySet(ledger).filter(reverses_id__in=entry_ids).values_list("pk", flat=True)
    )
    targets += [
        ("ledger entries", models.QuerySet(ledger).filter(pk__in=entry_ids), LEDGER_FIELDS),
        (
            "ledger entry history rows",
            ledger.history.model.objects.filter(id__in=entry_ids),
            LEDGER_FIELDS,
        ),
    ]
    # The admin log names records by their text ("顾小妹（张浦镇工会）", a member's name in
    # a change message): every entry about the case or a record naming it.
    related: dict[type[models.Model], list[int]] = {Case: ids, HouseholdMember: list(member_ids)}
    for relation in Case._meta.related_objects:
        if relation.one_to_many and relation.related_model not in related:
            rel = relation.related_model
            if rel.__name__.startswith("Historical"):
                continue
            related[rel] = list(
                rel._default_manager.filter(**{f"{relation.field.name}__in": ids}).values_list(
                    "pk", flat=True
                )
            )
    entries = _log_entries_about(related)
    counts = {label: queryset.count() for label, queryset, _values in targets}
    counts["admin log entries"] = entries.count()
    if dry_run:
        return counts
    words = _personal_words(ids, member_ids)
    for _label, queryset, values in targets:
        if values is CASE_FIELDS:
            values = {**values, "id_number": ANONYMISED_ID_NUMBER}
        _set(queryset, values)
    # The duplicate-ID candidates hold numbers as written: drop these persons' (those
    # still shared by others on file are put back).
    shared_ids.forget(sorted(w for w in words if len(w) in (15, 18) and w[:6].isdigit()))
    for entry in entries.only("pk", "object_repr", "change_message"):
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=_scrub(entry.object_repr, words)[:200],
            change_message=_scrub(entry.change_message, words),
        )
    return counts


def _personal_words(case_ids: list[int], member_ids: set[int]) -> set[str]:
    """Every name and ID number these persons were ever recorded under."""
    words: set[str] = set()
    for model, key, ids in (
        (Case.history.model, "id", case_ids),
        (HouseholdMember.history.model, "id", member_ids),
    ):
        for name, number in model.objects.filter(**{f"{key}__in": ids}).values_list(
            "name", "id_number"
        ):
            words.update(w for w in (name, number) if w and w != ANONYMISED)
    return words
