"""Operations on the register that check role and scope and record who and when.

The admin, the spreadsheet import and the CLI all call these; each raises
``PermissionDenied`` for a user who may not act and ``ValidationError`` for a refused
transition, with a message a clerk can act on.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    AnnualReview,
    Case,
    CaseStatus,
    Referral,
    ReferralStatus,
    ReviewOutcome,
)
from cases.permissions import (
    ADD_ANNUAL_REVIEW,
    CHANGE_CASE,
    DECIDE_REFERRAL,
    SUBMIT_REFERRAL,
    VERIFY_CASE,
)
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
    """已脱困 on ``on``: the aid certificate (救助证) of a long-term case lapses with it."""
    case.status = CaseStatus.EXITED
    case.exited_on = on
    case.exit_reason = reason
    case.certificate_number = ""
    case.certificate_valid_from = None
    case.certificate_valid_until = None
    return {
        "status",
        "exited_on",
        "exit_reason",
        "certificate_number",
        "certificate_valid_from",
        "certificate_valid_until",
    }


def case_apply_reopen(case: Case) -> set[str]:
    """待审核 again, with neither the exit nor the old verification left on it."""
    case.status = CaseStatus.PENDING
    case.exited_on = None
    case.exit_reason = ""
    case.verified_on = None
    case.verified_by = None
    return {"status", "exited_on", "exit_reason", "verified_on", "verified_by"}


@transaction.atomic
def case_verify(*, case: Case, acting_user) -> Case:
    """待审核 → 在档: an approver confirms the hardship."""
    require(acting_user, VERIFY_CASE, case)
    case = _locked(case)
    if case.status != CaseStatus.PENDING:
        raise ValidationError(_("Only a case pending verification can be verified."))
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
