"""Agreement lifecycle and payments made under agreements."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from funds.models import DisbursementKind, Fund
from funds.services import disbursement_post
from pairings.models import (
    Agreement,
    AgreementKind,
    AgreementPayment,
    AgreementStatus,
    Beneficiary,
)
from pairings.permissions import ADD_AGREEMENT_PAYMENT, CHANGE_AGREEMENT
from unions.services import require, save_validated


@transaction.atomic
def agreement_activate(*, agreement: Agreement, acting_user) -> Agreement:
    """草稿 → 生效 once it is signed and names at least one beneficiary."""
    require(acting_user, CHANGE_AGREEMENT, agreement)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft agreement can be put into effect."))
    if not agreement.beneficiaries.exists():
        raise ValidationError(_("Name at least one beneficiary first."))
    agreement.status = AgreementStatus.ACTIVE
    save_validated(agreement, acting_user)
    return agreement


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, reason: str, acting_user) -> Agreement:
    """→ 终止 before its end, with the reason."""
    require(acting_user, CHANGE_AGREEMENT, agreement)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status == AgreementStatus.TERMINATED:
        raise ValidationError(_("This agreement is already terminated."))
    if not (reason or "").strip():
        raise ValidationError({"termination_reason": _("Say why the agreement was terminated.")})
    agreement.status = AgreementStatus.TERMINATED
    agreement.termination_reason = reason.strip()
    agreement.terminated_on = timezone.localdate()
    save_validated(agreement, acting_user)
    return agreement


@transaction.atomic
def agreement_payment_record(
    *,
    beneficiary: Beneficiary,
    paid_on: datetime.date,
    amount,
    fund: Fund | None = None,
    receipt_signed: bool = False,
    notes: str = "",
    acting_user,
) -> AgreementPayment:
    """A payment under an agreement: a disbursement, from a fund or by the sponsor directly."""
    agreement = beneficiary.agreement
    require(acting_user, ADD_AGREEMENT_PAYMENT, agreement)
    if agreement.status != AgreementStatus.ACTIVE:
        raise ValidationError(_("Payments are recorded only under an agreement in effect."))
    if not agreement.start <= paid_on <= agreement.end:
        raise ValidationError(_("The payment date falls outside the agreement's period."))
    disbursement = disbursement_post(
        case=beneficiary.case,
        disbursed_on=paid_on,
        kind=(
            DisbursementKind.STUDENT_AID
            if agreement.kind == AgreementKind.STUDENT
            else DisbursementKind.SUBSIDY
        ),
        cash_amount=amount,
        fund=fund,
        paid_directly_by="" if fund else agreement.sponsor.name,
        paying_unit=agreement.unit,
        receipt_signed=receipt_signed,
        notes=notes or agreement.number,
        acting_user=acting_user,
    )
    payment = AgreementPayment(
        beneficiary=beneficiary, disbursement=disbursement, recorded_by=acting_user
    )
    save_validated(payment, acting_user)
    return payment


@dataclass(frozen=True)
class BeneficiaryStanding:
    beneficiary: Beneficiary
    promised: Decimal
    paid: Decimal

    @property
    def behind(self) -> Decimal:
        return max(self.promised - self.paid, Decimal("0.00"))


def agreement_standing(
    agreement: Agreement, on: datetime.date | None = None
) -> list[BeneficiaryStanding]:
    """Promised to date against paid to date, per beneficiary (one query)."""
    on = on or timezone.localdate()
    promised = agreement.promised_to(on)
    paid = dict(
        agreement.beneficiaries.filter(
            payments__disbursement__is_reversed=False,
            payments__disbursement__disbursed_on__lte=on,
        )
        .annotate(total=Sum("payments__disbursement__cash_amount"))
        .values_list("pk", "total")
    )
    return [
        BeneficiaryStanding(b, promised, paid.get(b.pk) or Decimal("0.00"))
        for b in agreement.beneficiaries.select_related("case", "student")
    ]
