"""Postings that move money. Each is one transaction that locks the funds it touches.

Balances change only here, together with the ledger entry that explains the change,
so ``Fund.balance`` always equals the sum of its entries and never goes below zero
(the database checks that too, as a last line of defence).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import ACTIVE_STATUSES, Activity, Campaign, Case
from funds.models import (
    INCOME_KINDS,
    Disbursement,
    DisbursementKind,
    EntryKind,
    Fund,
    LedgerEntry,
)
from unions.models import UnionUnit
from unions.parsing import format_yuan, quantize_yuan
from unions.querysets import visible_to
from unions.services import require


def lock_funds(*funds: Fund) -> dict[int, Fund]:
    """Lock fund rows in primary-key order and return fresh copies by pk.

    Two clerks paying from one fund at the same moment would otherwise both read the
    old balance and together overdraw it; a fixed lock order keeps an allocation
    (which locks two funds) from deadlocking against another one going the other way.
    """
    pks = sorted({fund.pk for fund in funds})
    locked = Fund.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {fund.pk: fund for fund in locked}


def _money(amount) -> Decimal:
    amount = quantize_yuan(Decimal(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    return amount


def _post(
    fund: Fund, *, kind: str, amount: Decimal, acting_user, entry_date=None, **fields
) -> LedgerEntry:
    """Append one entry to a locked fund and move its balance with it."""
    new_balance = fund.balance + amount
    if new_balance < 0:
        raise ValidationError(
            _(
                "Not enough money in %(fund)s: the balance is %(balance)s yuan, "
                "this needs %(amount)s yuan."
            )
            % {
                "fund": fund.name,
                "balance": format_yuan(fund.balance),
                "amount": format_yuan(-amount),
            }
        )
    entry = LedgerEntry(
        fund=fund,
        kind=kind,
        amount=amount,
        entry_date=entry_date or timezone.localdate(),
        posted_by=acting_user,
        balance_after=new_balance,
        **fields,
    )
    entry._history_user = acting_user
    entry.full_clean(exclude=["counterpart", "reverses"])
    entry.save()
    fund.balance = new_balance
    fund.skip_history_when_saving = True
    fund.save(update_fields=["balance"])
    del fund.skip_history_when_saving
    return entry


@transaction.atomic
def income_post(
    *,
    fund: Fund,
    kind: str,
    amount,
    entry_date: datetime.date | None = None,
    source: str = "",
    source_unit: UnionUnit | None = None,
    notes: str = "",
    acting_user,
) -> LedgerEntry:
    """Money in: an allocation received, own budget, a donation or a sponsor's payment."""
    require(acting_user, "funds.add_ledgerentry", fund)
    if kind not in INCOME_KINDS:
        raise ValidationError({"kind": _("Choose a kind of income.")})
    if kind in (EntryKind.DONATION, EntryKind.SPONSOR) and not source.strip():
        raise ValidationError({"source": _("Name the donor or sponsor.")})
    fund = lock_funds(fund)[fund.pk]
    return _post(
        fund,
        kind=kind,
        amount=_money(amount),
        entry_date=entry_date,
        source=source.strip(),
        source_unit=source_unit,
        notes=notes,
        acting_user=acting_user,
    )


@transaction.atomic
def allocation_post(
    *,
    from_fund: Fund,
    to_fund: Fund,
    amount,
    entry_date: datetime.date | None = None,
    notes: str = "",
    acting_user,
) -> tuple[LedgerEntry, LedgerEntry]:
    """An upper union allocates money to a lower union's fund: two entries, one transaction."""
    require(acting_user, "funds.allocate_fund", from_fund, to_fund)
    if from_fund.pk == to_fund.pk:
        raise ValidationError(_("Choose two different funds."))
    if not to_fund.unit.tree_path.startswith(from_fund.unit.tree_path) or (
        to_fund.unit_id == from_fund.unit_id
    ):
        raise ValidationError(_("Money is allocated to a fund of a unit below the giving unit."))
    amount = _money(amount)
    funds = lock_funds(from_fund, to_fund)
    giving, receiving = funds[from_fund.pk], funds[to_fund.pk]
    out = _post(
        giving,
        kind=EntryKind.ALLOCATION_OUT,
        amount=-amount,
        entry_date=entry_date,
        source=receiving.unit.name,
        notes=notes,
        acting_user=acting_user,
    )
    received = _post(
        receiving,
        kind=EntryKind.ALLOCATION_IN,
        amount=amount,
        entry_date=entry_date,
        source=giving.unit.name,
        source_unit=giving.unit,
        notes=notes,
        acting_user=acting_user,
    )
    # Link the two halves: the one write to a posted entry, made in the transaction
    # that posts it (a plain QuerySet, since LedgerEntryQuerySet refuses updates).
    QuerySet(LedgerEntry).filter(pk=out.pk).update(counterpart=received)
    out.counterpart = received
    return out, received


@transaction.atomic
def disbursement_post(
    *,
    case: Case,
    disbursed_on: datetime.date,
    kind: str,
    paying_unit: UnionUnit,
    cash_amount=None,
    item: str = "",
    quantity: int | None = None,
    unit_value=None,
    fund: Fund | None = None,
    campaign: Campaign | None = None,
    activity: Activity | None = None,
    paid_directly_by: str = "",
    leader: str = "",
    handled_by: str = "",
    receipt_signed: bool = False,
    notes: str = "",
    confirm_unverified: bool = False,
    acting_user,
) -> Disbursement:
    """发放: record aid to one person and, when it comes from a fund, pay it out of it.

    Aid to a case that is not on file (在档 or 长期救助) is refused unless an approver
    confirms it (``confirm_unverified``): pending cases are not yet verified and exited
    cases have left hardship, so paying them is the exception the audit looks for.
    """
    require(acting_user, "funds.add_disbursement", case, paying_unit, fund, activity)
    if campaign is not None and not visible_to(campaign, acting_user):
        raise PermissionDenied
    if case.status not in ACTIVE_STATUSES:
        if not confirm_unverified:
            raise ValidationError(
                {
                    "case": _(
                        "%(name)s is not on file (status: %(status)s); "
                        "an approver must confirm this payment."
                    )
                    % {"name": case.name, "status": case.get_status_display()}
                }
            )
        if not acting_user.has_perm("cases.verify_case"):
            raise PermissionDenied(_("Only an approver may confirm aid to a case not on file."))
    if campaign is None and activity is not None:
        campaign = activity.campaign
    disbursement = Disbursement(
        case=case,
        disbursed_on=disbursed_on,
        kind=kind,
        cash_amount=quantize_yuan(Decimal(cash_amount)) if cash_amount not in (None, "") else None,
        item=item if kind == DisbursementKind.GOODS else "",
        quantity=quantity if kind == DisbursementKind.GOODS else None,
        unit_value=(
            quantize_yuan(Decimal(unit_value))
            if kind == DisbursementKind.GOODS and unit_value not in (None, "")
            else None
        ),
        fund=fund,
        campaign=campaign,
        activity=activity,
        paying_unit=paying_unit,
        paid_directly_by=paid_directly_by.strip(),
        leader=leader,
        handled_by=handled_by,
        receipt_signed=receipt_signed,
        notes=notes,
        posted_by=acting_user,
    )
    disbursement._history_user = acting_user
    disbursement.full_clean()
    if fund is not None and disbursement.fund_charge > 0:
        locked = lock_funds(fund)[fund.pk]
        disbursement.ledger_entry = _post(
            locked,
            kind=EntryKind.DISBURSEMENT,
            amount=-disbursement.fund_charge,
            entry_date=disbursed_on,
            source=case.name,
            notes=notes,
            acting_user=acting_user,
        )
    disbursement.save()
    return disbursement


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, reason: str, acting_user) -> LedgerEntry:
    """Correct a mistake: post the opposite amount, linked to the original.

    Reversing a disbursement's entry marks the disbursement reversed; reversing either
    half of an allocation reverses both halves.
    """
    require(acting_user, "funds.reverse_ledgerentry", entry)
    if not (reason or "").strip():
        raise ValidationError({"notes": _("Say why the entry is reversed.")})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new entry."))
    pair = [entry] + ([entry.counterpart] if entry.counterpart_id else [])
    pair += list(LedgerEntry.objects.filter(counterpart=entry))
    pair = list({e.pk: e for e in pair}.values())
    require(acting_user, "funds.reverse_ledgerentry", *pair)  # both halves in scope
    funds = lock_funds(*[e.fund for e in pair])
    if LedgerEntry.objects.filter(reverses__in=[e.pk for e in pair]).exists():
        raise ValidationError(_("This entry has already been reversed."))
    # Money back into a fund first, so reversing an allocation never overdraws.
    reversals = []
    for original in sorted(pair, key=lambda e: e.amount):
        reversals.append(
            _post(
                funds[original.fund_id],
                kind=EntryKind.REVERSAL,
                amount=-original.amount,
                entry_date=timezone.localdate(),
                source=original.source,
                notes=reason.strip(),
                reverses=original,
                acting_user=acting_user,
            )
        )
    for disbursement in Disbursement.objects.filter(ledger_entry__in=[e.pk for e in pair]):
        disbursement.is_reversed = True
        disbursement._history_user = acting_user
        disbursement.save(update_fields=["is_reversed"])
    return next(r for r in reversals if r.reverses_id == entry.pk)
