"""Operations on the register that check role and scope and record who and when.

The admin, the spreadsheet import and the CLI all call these; each raises
``PermissionDenied`` for a user who may not act and ``ValidationError`` for a refused
transition, with a message a clerk can act on.
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import scans
from cases.filing import (
    follow_up_due_after,
    hardship_type_expression,
    hardship_type_of,
    household_figure,
)
from cases.models import (
    AnnualReview,
    Case,
    CaseStatus,
    ConsentForm,
    ExclusionCondition,
    FilingRequirement,
    FollowUp,
    FollowUpOutcome,
    HardshipType,
    NoticeObjection,
    ObjectionOutcome,
    PublicNotice,
    Reevaluation,
    Referral,
    ReferralStatus,
    ReviewOutcome,
    SubsistenceLine,
)
from cases.permissions import (
    ADD_ANNUAL_REVIEW,
    ADD_CASE,
    ADD_CONSENT,
    ADD_EXCLUSION,
    ADD_FOLLOW_UP,
    ADD_LINE,
    ADD_NOTICE,
    ADD_OBJECTION,
    ADD_REQUIREMENT,
    CHANGE_CASE,
    CHANGE_EXCLUSION,
    CHANGE_LINE,
    CHANGE_NOTICE,
    CHANGE_OBJECTION,
    CHANGE_REQUIREMENT,
    DECIDE_REFERRAL,
    SUBMIT_REFERRAL,
    VERIFY_CASE,
)
from cases.selectors import (
    default_notice_end,
    line_in_force,
    notice_period_problem,
    verification_blockers,
)
from cases.signals import cases_reclassified
from core.money import ZERO
from unions.models import Role
from unions.services import require, save_validated


def _locked(case: Case) -> Case:
    # Two approvers acting on the same case at once: the second sees the first's result.
    return Case.objects.select_for_update().get(pk=case.pk)


# --- the transitions themselves --------------------------------------------------------
# Pure: each changes a Case instance in memory, saves nothing and returns the names of the
# fields it set, so that the services below and the case sheet's bulk path (which writes
# many cases at once, without save()) apply one rule.


def case_apply_verify(
    case: Case,
    *,
    on: datetime.date,
    by,
    status: str = CaseStatus.VERIFIED,
) -> set[str]:
    """Verified (在档, or the long-term status a sheet row carries) on ``on`` by ``by``."""
    case.status = status
    case.verified_on = on
    case.verified_by = by
    return {"status", "verified_on", "verified_by"}


def case_apply_exit(case: Case, *, on: datetime.date, reason: str) -> set[str]:
    """已脱困 on ``on``: the aid certificate (救助证) of a long-term case lapses with it,
    and the first follow-up visit (回访) falls due."""
    case.status = CaseStatus.EXITED
    case.exited_on = on
    case.exit_reason = reason
    case.certificate_number = ""
    case.certificate_valid_from = None
    case.certificate_valid_until = None
    case.follow_up_due_on = follow_up_due_after(on, 0)
    return {
        "status",
        "exited_on",
        "exit_reason",
        "certificate_number",
        "certificate_valid_from",
        "certificate_valid_until",
        "follow_up_due_on",
    }


def case_apply_reopen(case: Case) -> set[str]:
    """待审核 again, with neither the exit nor the old verification left on it (and no
    follow-up due: it is followed up after its next exit)."""
    case.status = CaseStatus.PENDING
    case.exited_on = None
    case.exit_reason = ""
    case.verified_on = None
    case.verified_by = None
    case.follow_up_due_on = None
    return {
        "status",
        "exited_on",
        "exit_reason",
        "verified_on",
        "verified_by",
        "follow_up_due_on",
    }


@transaction.atomic
def case_verify(*, case: Case, acting_user) -> Case:
    """待审核 → 在档: an approver confirms the hardship."""
    require(acting_user, VERIFY_CASE, case)
    case = _locked(case)
    if case.status == CaseStatus.TEMPORARY:
        raise ValidationError(
            _("A temporary file is converted (转正) first: complete it, then verify it.")
        )
    if case.status != CaseStatus.PENDING:
        raise ValidationError(_("Only a case pending verification can be verified."))
    ticked = list(case.exclusions.values_list("text", flat=True))
    if ticked:
        raise ValidationError(
            _("This file cannot be verified: exclusions apply (%(conditions)s).")
            % {"conditions": "；".join(ticked)}
        )
    blockers = verification_blockers(case, timezone.localdate())
    if blockers:
        raise ValidationError(
            _("This file cannot be verified: %(reasons)s.") % {"reasons": "；".join(blockers)}
        )
    case_apply_verify(case, on=timezone.localdate(), by=acting_user)
    save_validated(case, acting_user)
    return case


@transaction.atomic
def case_exit(*, case: Case, exited_on: datetime.date, reason: str, acting_user) -> Case:
    """→ 已脱困: an approver closes a case, with the date and the reason."""
    require(acting_user, VERIFY_CASE, case)
    case = _locked(case)
    if case.status == CaseStatus.EXITED:
        raise ValidationError(_("This case has already exited hardship."))
    if not exited_on or not (reason or "").strip():
        raise ValidationError(_("Exiting a case needs a date and a reason."))
    if exited_on > timezone.localdate():
        raise ValidationError(_("The exit date cannot be in the future."))
    case_apply_exit(case, on=exited_on, reason=reason.strip())
    save_validated(case, acting_user)
    return case


@transaction.atomic
def case_reopen(*, case: Case, acting_user) -> Case:
    """已脱困 → 待审核: hardship has returned; an approver must verify it again."""
    require(acting_user, CHANGE_CASE, case)
    case = _locked(case)
    if case.status != CaseStatus.EXITED:
        raise ValidationError(_("Only an exited case can be reopened."))
    case_apply_reopen(case)
    save_validated(case, acting_user)
    return case


@transaction.atomic
def review_record(
    *,
    case: Case,
    reviewed_on: datetime.date,
    outcome: str,
    notes: str = "",
    acting_user,
) -> AnnualReview:
    """Record the year's review (年度复核) of a case."""
    require(acting_user, ADD_ANNUAL_REVIEW, case)
    if outcome not in ReviewOutcome.values:
        raise ValidationError(_("Unknown review outcome."))
    case = _locked(case)
    if AnnualReview.objects.filter(case=case, year=reviewed_on.year).exists():
        raise ValidationError(
            _("This case was already reviewed in %(year)d.") % {"year": reviewed_on.year}
        )
    review = AnnualReview(
        case=case,
        year=reviewed_on.year,
        reviewed_on=reviewed_on,
        reviewer=acting_user,
        outcome=outcome,
        notes=notes,
    )
    save_validated(review, acting_user)
    if case.last_reviewed_on is None or reviewed_on > case.last_reviewed_on:
        case.last_reviewed_on = reviewed_on
        save_validated(case, acting_user)
    return review


@transaction.atomic
def follow_up_record(
    *,
    case: Case,
    visited_on: datetime.date,
    outcome: str,
    notes: str = "",
    acting_user,
) -> FollowUp:
    """Record a follow-up visit (回访) of an exited file.

    Any outcome counts as the visit due (one that could not reach the person included:
    it is on the file, and the next one falls due), so the file moves on to its next
    due date, or to none after the last. 返困 (back in hardship) reopens the file for
    verification in the same transaction, by the same user, as ``case_reopen`` does:
    it needs the right to reopen, and an approver must verify it again (maker–checker).
    """
    require(acting_user, ADD_FOLLOW_UP, case)
    if outcome not in FollowUpOutcome.values:
        raise ValidationError(_("Unknown follow-up outcome."))
    if outcome == FollowUpOutcome.BACK:
        require(acting_user, CHANGE_CASE, case)
    case = _locked(case)
    if case.status != CaseStatus.EXITED or case.exited_on is None:
        raise ValidationError(_("Only an exited case is followed up."))
    if not visited_on:
        raise ValidationError(_("Enter the date of the visit."))
    if visited_on > timezone.localdate():
        raise ValidationError(_("The visit date cannot be in the future."))
    if visited_on < case.exited_on:
        raise ValidationError(
            _("The visit cannot be before the exit (%(date)s).")
            % {"date": f"{case.exited_on:%Y-%m-%d}"}
        )
    follow_up = FollowUp(
        case=case,
        exited_on=case.exited_on,
        visited_on=visited_on,
        visited_by=acting_user,
        outcome=outcome,
        notes=(notes or "").strip(),
    )
    save_validated(follow_up, acting_user)
    if outcome == FollowUpOutcome.BACK:
        case_apply_reopen(case)
    else:
        done = FollowUp.objects.filter(case=case, exited_on=case.exited_on).count()
        case.follow_up_due_on = follow_up_due_after(case.exited_on, done)
    save_validated(case, acting_user)
    return follow_up


@transaction.atomic
def referral_submit(*, case: Case, reason: str, acting_user) -> Referral:
    """向市总反映: an approver asks the city union to take a case on long-term aid."""
    require(acting_user, SUBMIT_REFERRAL, case)
    case = _locked(case)
    if case.status != CaseStatus.VERIFIED:
        raise ValidationError(_("Only a verified case (on file) can be referred."))
    if case.referrals.filter(status=ReferralStatus.SUBMITTED).exists():
        raise ValidationError(_("This case already has a referral awaiting decision."))
    if not (reason or "").strip():
        raise ValidationError(_("Say why the case is referred."))
    referral = Referral(case=case, reason=reason.strip(), submitted_by=acting_user)
    save_validated(referral, acting_user)
    return referral


def _decidable(referral: Referral, acting_user) -> Referral:
    require(acting_user, DECIDE_REFERRAL, referral)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError(_("This referral has already been decided."))
    if referral.submitted_by_id == acting_user.pk:
        # Maker–checker: whoever submitted a referral can never decide it.
        raise PermissionDenied(_("You submitted this referral, so someone else must decide it."))
    return referral


@transaction.atomic
def referral_approve(
    *,
    referral: Referral,
    certificate_number: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    acting_user,
) -> Referral:
    """The city union grants long-term aid and issues the aid certificate (救助证)."""
    referral = _decidable(referral, acting_user)
    certificate_number = (certificate_number or "").strip()
    if not certificate_number:
        raise ValidationError({"certificate_number": _("Enter the aid certificate number.")})
    if not valid_from or not valid_until or valid_until < valid_from:
        raise ValidationError(
            {"valid_until": _("The certificate must be valid from a date to a later date.")}
        )
    case = _locked(referral.case)
    if case.status != CaseStatus.VERIFIED:
        raise ValidationError(_("The case is no longer on file, so it cannot be approved."))
    referral.status = ReferralStatus.APPROVED
    referral.decided_by = acting_user
    referral.decided_at = timezone.now()
    referral.certificate_number = certificate_number
    referral.valid_from = valid_from
    referral.valid_until = valid_until
    save_validated(referral, acting_user)
    case.status = CaseStatus.LONG_TERM
    case.certificate_number = certificate_number
    case.certificate_valid_from = valid_from
    case.certificate_valid_until = valid_until
    save_validated(case, acting_user)
    return referral


@transaction.atomic
def referral_reject(*, referral: Referral, reason: str, acting_user) -> Referral:
    """The city union declines a referral, saying why."""
    referral = _decidable(referral, acting_user)
    if not (reason or "").strip():
        raise ValidationError({"rejection_reason": _("Say why the referral is rejected.")})
    referral.status = ReferralStatus.REJECTED
    referral.decided_by = acting_user
    referral.decided_at = timezone.now()
    referral.rejection_reason = reason.strip()
    save_validated(referral, acting_user)
    return referral


# --- the 低保 line -------------------------------------------------------------------------


@transaction.atomic
def subsistence_line_save(*, line: SubsistenceLine, acting_user) -> SubsistenceLine:
    """Record a district's 低保 line (a new one, or a correction of one on file)."""
    perm = ADD_LINE if line.pk is None else CHANGE_LINE
    require(acting_user, perm, line.unit if line.unit_id else None)
    if line.pk is not None:
        require(acting_user, perm, SubsistenceLine.objects.get(pk=line.pk))
    save_validated(line, acting_user)
    # Every file under the unit at once, in this transaction: the line and the types
    # it gives are never seen apart.
    cases_reevaluate(unit=line.unit, on=timezone.localdate(), acting_user=acting_user)
    return line


QUALIFYING = (HardshipType.DEEP, HardshipType.RELATIVE, HardshipType.SUDDEN)


def cases_reevaluate(
    *, unit, on: datetime.date, acting_user=None, statement_timeout: str | None = None
) -> Reevaluation:
    """Re-evaluate 困难类型 for every file under ``unit`` with the line in force on ``on``.

    One ``UPDATE … SET hardship_type = CASE … WHERE unit in subtree AND hardship_type <>
    CASE …``: only the files whose type changes are written, each keeping the type it
    had and the date, and flagged for their unit's review (exited files excepted). No
    status changes: a verified file that stops qualifying stays verified until an
    approver decides (the audit lists it). ``acting_user`` None is the daily command.
    """
    if acting_user is not None and not (
        acting_user.is_superuser or acting_user.has_perm(ADD_LINE)
    ):
        raise PermissionDenied
    started = time.monotonic()
    with transaction.atomic():
        # A district of several hundred thousand files may outlast the web's 30 s; the
        # command passes "0" (none): a first evaluation writes every file.
        timeout = statement_timeout or settings.REPORT_STATEMENT_TIMEOUT
        if connection.vendor == "postgresql" and timeout:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [timeout])
        line = line_in_force(unit, on)
        new_type = hardship_type_expression(line=line.monthly_amount if line else None, on=on)
        files = Case.objects.filter(unit__tree_path__startswith=unit.tree_path)
        changed = files.exclude(hardship_type=new_type).update(
            previous_hardship_type=F("hardship_type"),
            hardship_type=new_type,
            type_changed_on=on,
            type_review_pending=CaseWhen(
                When(status=CaseStatus.EXITED, then=F("type_review_pending")),
                When(status=CaseStatus.LAPSED, then=F("type_review_pending")),
                default=Value(True),
            ),
        )
        if changed:
            # Aid already paid follows the files' new types (funds' breakdown of 人数).
            cases_reclassified.send(
                sender=Case,
                case_ids=list(files.filter(type_changed_on=on).values_list("pk", flat=True)),
            )
        lost = (
            files.filter(
                type_review_pending=True,
                type_changed_on=on,
                hardship_type=HardshipType.NONE,
                previous_hardship_type__in=QUALIFYING,
            ).count()
            if changed
            else 0
        )
        return Reevaluation.objects.create(
            unit=unit,
            line=line,
            evaluated_on=on,
            run_by=acting_user,
            changed=changed,
            no_longer_qualify=lost,
            seconds=round(time.monotonic() - started, 3),
        )


@transaction.atomic
def case_type_reviewed(*, case: Case, acting_user) -> Case:
    """An approver has looked at a file whose type a re-evaluation changed."""
    require(acting_user, VERIFY_CASE, case)
    case = _locked(case)
    if not case.type_review_pending:
        raise ValidationError(_("This file has no hardship-type change to review."))
    case.type_review_pending = False
    save_validated(case, acting_user)
    return case


# --- household economics (FILING.md) ---------------------------------------------------


def case_apply_household(case: Case) -> set[str]:
    """The household figure from the incomes and rigid expenses on file (two reads).

    A household with nothing itemised keeps the figure typed in (or imported): that is
    how the register held it before itemisation, and the data migration left it so.
    """
    incomes = [
        amount
        for amount in case.members.values_list("annual_income", flat=True)
        if amount is not None
    ]
    if case.own_annual_income is not None:
        incomes.append(case.own_annual_income)
    expenses = list(case.rigid_expenses.values_list("annual_amount", flat=True))
    if not incomes and not expenses:
        if not case.income_itemised:
            return set()
        case.income_itemised = False
        return {"income_itemised"}
    figure = household_figure(incomes=incomes, expenses=expenses, people=case.household_size)
    case.income_itemised = True
    case.annual_household_income = sum(incomes, ZERO)
    case.annual_rigid_expenses = sum(expenses, ZERO)
    case.monthly_income_per_capita = figure.monthly_per_capita if figure else None
    return {
        "income_itemised",
        "annual_household_income",
        "annual_rigid_expenses",
        "monthly_income_per_capita",
    }


def case_apply_hardship_type(
    case: Case, *, line: SubsistenceLine | None, on: datetime.date
) -> set[str]:
    """困难类型 under ``line`` (the 低保 line in force for the case's unit on ``on``)."""
    new = hardship_type_of(case, line=line.monthly_amount if line else None, on=on)
    if new == case.hardship_type:
        return set()
    case.previous_hardship_type = case.hardship_type
    case.hardship_type = new
    case.type_changed_on = on
    return {"hardship_type", "previous_hardship_type", "type_changed_on"}


@transaction.atomic
def case_evaluate(*, case: Case, acting_user) -> Case:
    """Recompute a case's household figure and 困难类型 after its facts changed."""
    require(acting_user, CHANGE_CASE, case)
    case = _locked(case)
    today = timezone.localdate()
    changed = case_apply_household(case)
    changed |= case_apply_hardship_type(case, line=line_in_force(case.unit, today), on=today)
    if changed:
        save_validated(case, acting_user)
    return case


@transaction.atomic
def exclusion_condition_save(*, condition: ExclusionCondition, acting_user) -> ExclusionCondition:
    """A unit's own exclusion checklist entry, or (city administrators only) a default."""
    perm = ADD_EXCLUSION if condition.pk is None else CHANGE_EXCLUSION
    require(acting_user, perm, condition.unit if condition.unit_id else None)
    if condition.unit_id is None and not (
        acting_user.is_superuser or Role.ADMINISTRATOR in acting_user.roles
    ):
        raise PermissionDenied(_("Only the city union sets the city-wide exclusions."))
    save_validated(condition, acting_user)
    return condition


# --- public notice and consent (FILING.md) ---------------------------------------------


@transaction.atomic
def filing_requirement_save(*, requirement: FilingRequirement, acting_user) -> FilingRequirement:
    """A unit's rule: whether it requires 公示 (and its days) and the 授权委托书."""
    perm = ADD_REQUIREMENT if requirement.pk is None else CHANGE_REQUIREMENT
    require(acting_user, perm, requirement.unit if requirement.unit_id else None)
    if requirement.pk is not None:
        # The rules above one's units are seen, not edited.
        stored = FilingRequirement.objects.get(pk=requirement.pk)
        if not FilingRequirement.objects.editable_by(acting_user).filter(pk=stored.pk).exists():
            raise PermissionDenied
    save_validated(requirement, acting_user)
    return requirement


@transaction.atomic
def public_notice_save(*, notice: PublicNotice, acting_user) -> PublicNotice:
    """Record (or correct) a public-notice period of a file. An end date left empty is
    the start plus the unit's days; a shorter period than the unit requires is refused."""
    perm = ADD_NOTICE if notice.pk is None else CHANGE_NOTICE
    require(acting_user, perm, notice.case)
    if notice.pk is not None:
        require(acting_user, perm, PublicNotice.objects.get(pk=notice.pk).case)
    if notice.case.status not in (CaseStatus.PENDING, CaseStatus.TEMPORARY):
        raise ValidationError(_("Only a file awaiting verification is put on public notice."))
    if not notice.ends_on:
        ends_on = default_notice_end(notice.case, notice.starts_on)
        if ends_on is not None:
            notice.ends_on = ends_on
    problem = notice_period_problem(notice.case, notice.starts_on, notice.ends_on)
    if problem:
        raise ValidationError({"ends_on": problem})
    save_validated(notice, acting_user)
    return notice


@transaction.atomic
def objection_save(*, objection: NoticeObjection, acting_user) -> NoticeObjection:
    """Record an objection, or its outcome. A clerk records what was received; deciding
    it (upheld or dismissed, with the findings) is an approver's, and is final."""
    perm = ADD_OBJECTION if objection.pk is None else CHANGE_OBJECTION
    require(acting_user, perm, objection.notice.case)
    before = None
    if objection.pk is not None:
        before = NoticeObjection.objects.select_for_update().get(pk=objection.pk)
        require(acting_user, perm, before.notice.case)
        if before.outcome != ObjectionOutcome.OPEN:
            raise ValidationError(_("This objection has been decided; it is not changed."))
    if objection.outcome != ObjectionOutcome.OPEN:
        if not acting_user.has_perm(VERIFY_CASE):
            raise PermissionDenied(_("Only an approver decides an objection."))
        if not (objection.decision or "").strip():
            raise ValidationError({"decision": _("Say what was found about the objection.")})
        objection.decided_on = objection.decided_on or timezone.localdate()
        objection.decided_by = acting_user
    else:
        objection.decided_on = None
        objection.decided_by = None
    save_validated(objection, acting_user)
    return objection


@transaction.atomic
def consent_record(
    *, case: Case, signed_on: datetime.date, upload, file_name: str, acting_user
) -> ConsentForm:
    """The signed authorisation (授权委托书) with its scanned copy, stored privately."""
    require(acting_user, ADD_CONSENT, case)
    if signed_on is None:
        raise ValidationError({"signed_on": _("Enter the date it was signed.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The signing date cannot be in the future.")})
    stored = scans.store(upload, file_name)
    try:
        consent = ConsentForm(
            case=case,
            signed_on=signed_on,
            scan_name=stored.name,
            scan_file_name=stored.file_name,
            scan_content_type=stored.content_type,
            scan_size=stored.size,
            uploaded_by=acting_user,
        )
        save_validated(consent, acting_user)
    except BaseException:
        scans.remove(stored.name)
        raise
    # (A rollback of an enclosing transaction would leave the file without its record:
    # an orphan in the private folder, never reachable, which nothing reads.)
    return consent


# --- temporary files (临时救助档案) ---------------------------------------------------------


def field_label(name: str) -> str:
    return str(getattr(Case._meta.get_field(name), "verbose_name", name))


TEMPORARY_REQUIRED = ("sudden_event", "sudden_event_on", "sudden_event_description")


@transaction.atomic
def temporary_case_create(*, case: Case, causes, acting_user) -> Case:
    """A temporary file: identity, unit, cause and the sudden event, nothing more. It
    may receive 临时救助 at once (funds.services) and is converted or lapses."""
    require(acting_user, ADD_CASE, case.unit if case.unit_id else None)
    causes = list(causes or [])
    missing = [field_label(name) for name in TEMPORARY_REQUIRED if not getattr(case, name)]
    if not causes:
        missing.append(field_label("causes"))
    if missing:
        raise ValidationError(
            _("A temporary file needs the cause and the sudden event: %(fields)s missing.")
            % {"fields": "、".join(missing)}
        )
    case.status = CaseStatus.TEMPORARY
    case.registered_on = case.registered_on or timezone.localdate()
    save_validated(case, acting_user)
    case.causes.set(causes)
    return case_evaluate(case=case, acting_user=acting_user)


def full_file_missing(case: Case) -> list[str]:
    """What a temporary file lacks to be a full file (the fields its 转正 needs)."""
    missing = []
    if not case.category:
        missing.append(field_label("category"))
    if not case.household_size:
        missing.append(field_label("household_size"))
    return missing


@transaction.atomic
def case_convert_temporary(*, case: Case, acting_user) -> Case:
    """转正: a completed temporary file goes to pending verification (an approver then
    verifies it as any other: maker–checker)."""
    require(acting_user, CHANGE_CASE, case)
    case = _locked(case)
    if case.status != CaseStatus.TEMPORARY:
        raise ValidationError(_("Only a temporary file is converted."))
    missing = full_file_missing(case)
    if missing:
        raise ValidationError(
            _("Complete the file before converting it: %(fields)s missing.")
            % {"fields": "、".join(missing)}
        )
    case.status = CaseStatus.PENDING
    save_validated(case, acting_user)
    return case_evaluate(case=case, acting_user=acting_user)


def case_apply_lapse(case: Case, *, on: datetime.date) -> set[str]:
    case.status = CaseStatus.LAPSED
    case.lapsed_on = on
    return {"status", "lapsed_on"}


def temporary_cases_lapse(*, on: datetime.date, acting_user=None) -> int:
    """Lapse every temporary file not converted within RELIEF_TEMPORARY_FILE_DAYS of
    its registration, each with a history row (None: the cron run). Idempotent: a file
    lapses once, and a second run finds none."""
    lapsed = 0
    due = Case.objects.temporary_lapsing_by(on).order_by("pk").values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=pk)
            if case.status != CaseStatus.TEMPORARY:
                continue  # converted meanwhile
            fields = case_apply_lapse(case, on=on)
            case._history_user = acting_user  # type: ignore[attr-defined]
            case.save(update_fields=[*fields, "updated_at"])
            lapsed += 1
    return lapsed
