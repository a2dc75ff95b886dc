"""Reads over agreements: what was promised against what was paid."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO, MoneyField
from pairings.models import Agreement, AgreementStatus, Beneficiary


def beneficiaries_with_paid(queryset, on: datetime.date):
    """Beneficiaries annotated with ``paid``: money paid under their agreement by ``on``."""
    return queryset.annotate(
        paid=Coalesce(
            Sum(
                "payments__disbursement__cash_amount",
                filter=Q(
                    payments__disbursement__is_reversed=False,
                    payments__disbursement__disbursed_on__lte=on,
                ),
            ),
            ZERO,
            output_field=MoneyField(),
        )
    )


def agreements_behind(user, on: datetime.date | None = None) -> list[tuple[Agreement, Decimal]]:
    """Agreements in effect in ``user``'s scope where some beneficiary was paid less than
    promised, with the total shortfall; two queries whatever the number of agreements."""
    on = on or timezone.localdate()
    agreements = {
        a.pk: a
        for a in Agreement.objects.for_user(user)
        .filter(status=AgreementStatus.ACTIVE, start__lte=on)
        .select_related("sponsor", "unit")
    }
    shortfall: dict[int, Decimal] = {}
    beneficiaries = beneficiaries_with_paid(
        Beneficiary.objects.filter(agreement_id__in=list(agreements)), on
    ).values_list("agreement_id", "paid")
    for agreement_id, paid in beneficiaries:
        behind = agreements[agreement_id].promised_to(on) - paid
        if behind > 0:
            shortfall[agreement_id] = shortfall.get(agreement_id, ZERO) + behind
    return [(agreements[pk], amount) for pk, amount in shortfall.items()]
