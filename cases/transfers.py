"""Moving a file between units (档案转接, FILING.md): the services and the one read of
the whole unit tree.

- ``transfer_start``: an approver of the unit that holds the file names the receiving
  unit (any unit of the city, chosen by name: :func:`receiving_units`) and a reason.
- ``transfer_accept`` / ``transfer_refuse``: an approver of the receiving unit (or a
  city administrator) decides; the one who started it never does (maker–checker).
- ``transfer_cancel``: the sending unit withdraws a transfer still pending.
- ``case_move``: the city union moves a file itself (a merger of units), accepted at
  once, with the same record.

Only the file's unit changes, with its history: disbursements keep their paying unit,
agreements their signing unit, reviews and referrals hang on the case, so every report
of the past reads the same after a transfer. Each write is one transaction that locks
the case first (``select_for_update``), so two heads acting at once see each other's
result and a case has at most one pending transfer (also a database constraint).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseTransfer, TransferState
from cases.permissions import DECIDE_TRANSFER, MOVE_CASE, START_TRANSFER
from unions.models import UnionUnit
from unions.querysets import visible_to
from unions.services import require, save_validated


def receiving_units() -> QuerySet[UnionUnit]:
    """Every active unit of the city, in tree order: the one list where a district sees
    the names of other districts' units (never their records)."""
    return UnionUnit.objects.filter(is_active=True).select_related("parent").order_by("tree_path")


def pending_transfer_of(case: Case) -> CaseTransfer | None:
    return CaseTransfer.objects.pending().filter(case=case).select_related("to_unit").first()


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("unit").get(pk=case.pk)


def _check_destination(case: Case, to_unit: UnionUnit | None) -> UnionUnit:
    if to_unit is None:
        raise ValidationError({"to_unit": _("Choose the receiving unit.")})
    if not to_unit.is_active:
        raise ValidationError(
            {"to_unit": _("%(unit)s is no longer an active unit.") % {"unit": to_unit.name}}
        )
    if to_unit.pk == case.unit_id:
        raise ValidationError(
            {"to_unit": _("The file already belongs to %(unit)s.") % {"unit": to_unit.name}}
        )
    return to_unit


def _check_no_pending(case: Case) -> None:
    pending = pending_transfer_of(case)
    if pending is not None:
        raise ValidationError(
            _("This file already has a transfer awaiting %(unit)s.")
            % {"unit": pending.to_unit.name}
        )


def _reason(reason: str, field: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: message})
    return reason


def _set_unit(case: Case, unit: UnionUnit, acting_user) -> None:
    # Only the unit (and the time of the change): the rest of the file is what it was,
    # whatever an old or anonymised record would say to a full validation.
    case.unit = unit
    case._history_user = acting_user
    case.save(update_fields=["unit", "updated_at"])


@transaction.atomic
def transfer_start(
    *, case: Case, to_unit: UnionUnit | None, reason: str, acting_user
) -> CaseTransfer:
    """An approver of the unit holding ``case`` asks ``to_unit`` to take the file."""
    require(acting_user, START_TRANSFER, case)
    case = _locked(case)
    to_unit = _check_destination(case, to_unit)
    reason = _reason(reason, "reason", _("Say why the file moves."))
    _check_no_pending(case)
    transfer = CaseTransfer(
        case=case,
        from_unit=case.unit,
        to_unit=to_unit,
        reason=reason,
        started_by=acting_user,
    )
    save_validated(transfer, acting_user)
    return transfer


def _decidable(transfer: CaseTransfer, acting_user) -> tuple[CaseTransfer, Case]:
    if not acting_user.has_perm(DECIDE_TRANSFER) or not visible_to(transfer.to_unit, acting_user):
        raise PermissionDenied
    # The case first, as every other write on it locks it: no deadlock with them.
    case = _locked(transfer.case)
    transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.PENDING:
        raise ValidationError(
            _("This transfer is no longer awaiting a decision (%(state)s).")
            % {"state": transfer.get_state_display()}
        )
    if transfer.started_by_id == acting_user.pk:
        raise PermissionDenied(_("You started this transfer, so someone else must decide it."))
    return transfer, case


def _close(transfer: CaseTransfer, state: str, acting_user) -> None:
    transfer.state = state
    transfer.decided_by = acting_user
    transfer.decided_at = timezone.now()


@transaction.atomic
def transfer_accept(*, transfer: CaseTransfer, acting_user) -> CaseTransfer:
    """The receiving unit takes the file: from now on it is theirs alone."""
    transfer, case = _decidable(transfer, acting_user)
    if not transfer.to_unit.is_active:
        raise ValidationError(
            _("%(unit)s is no longer an active unit.") % {"unit": transfer.to_unit.name}
        )
    _close(transfer, TransferState.ACCEPTED, acting_user)
    save_validated(transfer, acting_user)
    _set_unit(case, transfer.to_unit, acting_user)
    return transfer


@transaction.atomic
def transfer_refuse(*, transfer: CaseTransfer, reason: str, acting_user) -> CaseTransfer:
    """The receiving unit declines, saying why; the file stays where it is."""
    transfer, _case = _decidable(transfer, acting_user)
    transfer.refusal_reason = _reason(
        reason, "refusal_reason", _("Say why the transfer is refused.")
    )
    _close(transfer, TransferState.REFUSED, acting_user)
    save_validated(transfer, acting_user)
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: CaseTransfer, acting_user) -> CaseTransfer:
    """The sending unit withdraws a transfer it started (a wrong unit, the worker stayed)."""
    require(acting_user, START_TRANSFER, transfer.case, transfer.from_unit)
    _locked(transfer.case)
    transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.PENDING:
        raise ValidationError(
            _("This transfer is no longer awaiting a decision (%(state)s).")
            % {"state": transfer.get_state_display()}
        )
    _close(transfer, TransferState.CANCELLED, acting_user)
    save_validated(transfer, acting_user)
    return transfer


@transaction.atomic
def case_move(*, case: Case, to_unit: UnionUnit | None, reason: str, acting_user) -> CaseTransfer:
    """The city union moves a file itself (units merged, like 金阊区 into 姑苏区): a
    transfer accepted at once, started and decided by the city administrator."""
    require(acting_user, MOVE_CASE, case)
    case = _locked(case)
    to_unit = _check_destination(case, to_unit)
    reason = _reason(reason, "reason", _("Say why the file moves."))
    # A pending transfer is the two units' business: the city decides it on its page
    # (as the receiving side may) or the sender withdraws it, then the file moves.
    _check_no_pending(case)
    now = timezone.now()
    transfer = CaseTransfer(
        case=case,
        from_unit=case.unit,
        to_unit=to_unit,
        reason=reason,
        state=TransferState.ACCEPTED,
        direct=True,
        started_by=acting_user,
        started_at=now,
        decided_by=acting_user,
        decided_at=now,
    )
    save_validated(transfer, acting_user)
    _set_unit(case, to_unit, acting_user)
    return transfer
