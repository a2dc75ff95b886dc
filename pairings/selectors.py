"""Reads over agreements: what was promised against what was paid."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from core.money import ZERO
from pairings.models import Agreement, Beneficiary


def agreements_behind(user, on: datetime.date | None = None) -> list[tuple[Agreement, Decimal]]:
    """Agreements in ``user``'s scope behind on payment (``AgreementQuerySet.with_standing``)
    with their total shortfall; two queries whatever the number of agreements."""
    on = on or timezone.localdate()
    agreements = {
        agreement.pk: agreement
        for agreement in Agreement.objects.for_user(user)
        .select_related("sponsor", "unit")
        .behind(on)
    }
    shortfall: dict[int, Decimal] = {}
    paid = (
        Beneficiary.objects.filter(agreement_id__in=list(agreements))
        .with_paid(on)
        .values_list("agreement_id", "paid")
    )
    for agreement_id, amount in paid:
        # promised_each is set on each agreement by with_standing()'s iterable (a plain
        # attribute, not a field or annotation), so the model's type does not have it.
        behind = agreements[agreement_id].promised_each - amount  # type: ignore[attr-defined]
        if behind > 0:
            shortfall[agreement_id] = shortfall.get(agreement_id, ZERO) + behind
    return [(agreements[pk], amount) for pk, amount in shortfall.items()]
