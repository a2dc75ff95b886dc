"""Postings that move money. Each is one transaction that locks the funds it touches.

Balances change only here, together with the ledger entry that explains the change,
so ``Fund.balance`` always equals the sum of its entries and never goes below zero
(the database checks that too, as a last line of defence).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cases.models import ACTIVE_STATUSES, Activity, Campaign, Case, CaseStatus
from cases.permissions import VERIFY_CASE
from core.money import format_yuan, quantize_yuan
from funds import aggregates
from funds.models import (
    INCOME_KINDS,
    Disbursement,
    DisbursementKind,
    EntryKind,
    Fund,
    LedgerEntry,
)
from funds.permissions import (
    ADD_DISBURSEMENT,
    ADD_LEDGER_ENTRY,
    ALLOCATE_FUND,
    CHANGE_DISBURSEMENT,
    REVERSE_LEDGER_ENTRY,
)
from unions.models import UnionUnit, User
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


def overdraw_message(fund: Fund, balance: Decimal, charge: Decimal) -> str:
    return _(
        "Not enough money in %(fund)s: the balance is %(balance)s yuan, "
        "this needs %(amount)s yuan."
    ) % {"fund": fund.name, "balance": format_yuan(balance), "amount": format_yuan(charge)}


def not_on_file_message(case: Case) -> str:
    return _(
        "%(name)s is not on file (status: %(status)s); an approver must confirm this payment."
    ) % {"name": case.name, "status": case.get_status_display()}


def outside_period_message(day: datetime.date, campaign: Campaign | None) -> str | None:
    """Why a payment on ``day`` may not count towards ``campaign``, or None when it may.

    The bulletin counts a campaign's payments by campaign and the summary by date: they
    agree only while every payment of a campaign falls within its period. A payment
    made later is not slipped in; whoever may edit the campaign widens the period first.
    """
    if campaign is None or day is None or campaign.starts_on <= day <= campaign.ends_on:
        return None
    return _(
        "The date %(date)s falls outside the period of the campaign %(campaign)s "
        "(%(start)s to %(end)s): whoever may edit the campaign must widen its period first."
    ) % {
        "date": day.isoformat(),
        "campaign": campaign.name,
        "start": campaign.starts_on.isoformat(),
        "end": campaign.ends_on.isoformat(),
    }


def _post(
    fund: Fund, *, kind: str, amount: Decimal, acting_user, entry_date=None, **fields
) -> LedgerEntry:
    """Append one entry to a locked fund and move its balance with it."""
    new_balance = fund.balance + amount
    if new_balance < 0:
        raise ValidationError(overdraw_message(fund, fund.balance, -amount))
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
    require(acting_user, ADD_LEDGER_ENTRY, fund)
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
    require(acting_user, ALLOCATE_FUND, from_fund, to_fund)
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
    require(acting_user, ADD_DISBURSEMENT, case, paying_unit, fund, activity)
    if campaign is not None and not visible_to(campaign, acting_user):
        raise PermissionDenied
    if case.status == CaseStatus.TEMPORARY:
        # A temporary file receives one-off 临时救助 only, without an approver's
        # confirmation; the rest waits for its 转正 and verification.
        if kind != DisbursementKind.TEMPORARY_AID:
            raise ValidationError(
                {
                    "kind": _(
                        "%(name)s has a temporary file: only temporary relief (临时救助) "
                        "may be paid until it is converted and verified."
                    )
                    % {"name": case.name}
                }
            )
    elif case.status not in ACTIVE_STATUSES:
        if not confirm_unverified:
            raise ValidationError({"case": not_on_file_message(case)})
        if not acting_user.has_perm(VERIFY_CASE):
            raise PermissionDenied(_("Only an approver may confirm aid to a case not on file."))
    if campaign is None and activity is not None:
        campaign = activity.campaign
    # An activity belongs to its campaign (checked by Disbursement.clean): the campaign's
    # period is the one that counts, for a visit's payments as for the campaign's own.
    refusal = outside_period_message(disbursed_on, campaign)
    if refusal:
        raise ValidationError({"disbursed_on": refusal})
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


# --- many disbursements at once: the disbursement sheet and the demo -------------------


class FundsOverdrawn(ValidationError):
    """Some of many disbursements would take their fund below zero: ``problems`` holds
    ``(index, message)`` for each, by position in the list given."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__([message for _index, message in problems])
        self.problems = problems


def overdrawn(
    disbursements: Sequence[Disbursement], balances: dict[int, Decimal], funds: dict[int, Fund]
) -> list[tuple[int, str]]:
    """Which disbursements, paid in order from ``balances`` (fund pk -> balance), would
    take a fund below zero; ``balances`` is left as it would be after the others."""
    problems = []
    for index, disbursement in enumerate(disbursements):
        charge = disbursement.fund_charge
        if not disbursement.fund_id or charge <= 0:
            continue
        fund, balance = funds[disbursement.fund_id], balances[disbursement.fund_id]
        if balance < charge:
            problems.append((index, overdraw_message(fund, balance, charge)))
        else:
            balances[disbursement.fund_id] = balance - charge
    return problems


def disbursements_pay_out(
    disbursements: Sequence[Disbursement],
    *,
    acting_user,
    save_entries: Callable[[list[LedgerEntry]], object] | None = None,
) -> None:
    """Pay checked, unsaved disbursements out of their funds: ``disbursement_post``'s money
    rule for many at once. Must run inside the caller's transaction.

    Each fund is locked once (in pk order, as ``lock_funds`` always does) and every
    entry gets its running balance under that lock; each disbursement's
    ``ledger_entry`` is set. ``save_entries`` writes the new entries with their history
    (default: simple-history's ``bulk_create_with_history``). Raises ``FundsOverdrawn``
    naming every disbursement that would overdraw, before anything is written.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("disbursements_pay_out must run inside a transaction")
    paid = [d for d in disbursements if d.fund_id and d.fund_charge > 0]
    if not paid:
        return
    locked = lock_funds(*(d.fund for d in paid))
    balances = {pk: fund.balance for pk, fund in locked.items()}
    problems = overdrawn(disbursements, dict(balances), locked)
    if problems:
        raise FundsOverdrawn(problems)
    entries = []
    for disbursement in paid:
        balances[disbursement.fund_id] -= disbursement.fund_charge
        disbursement.ledger_entry = LedgerEntry(
            fund=locked[disbursement.fund_id],
            kind=EntryKind.DISBURSEMENT,
            amount=-disbursement.fund_charge,
            entry_date=disbursement.disbursed_on,
            source=disbursement.case.name,
            notes=disbursement.notes,
            posted_by=acting_user,
            balance_after=balances[disbursement.fund_id],
        )
        entries.append(disbursement.ledger_entry)
    _store_postings(entries, balances, acting_user, save_entries)
    for disbursement in paid:
        disbursement.ledger_entry_id = disbursement.ledger_entry.pk


def _store_postings(entries, balances: dict[int, Decimal], acting_user, save_entries) -> None:
    """Write many new entries (with their history) and the balances they lead to."""
    if save_entries is None:
        bulk_create_with_history(list(entries), LedgerEntry, default_user=acting_user)
    else:
        save_entries(list(entries))
    for pk, balance in balances.items():
        # FundQuerySet allows update; the stored balance moves with its entries.
        Fund.objects.filter(pk=pk).update(balance=balance)


def incomes_post_many(
    entries: Sequence[LedgerEntry],
    *,
    acting_user,
    save_entries: Callable[[list[LedgerEntry]], object] | None = None,
) -> None:
    """Post checked, unsaved income entries (``income_post``'s rules, checked by the
    caller) in order: each fund locked once, every entry with its running balance.
    Must run inside the caller's transaction; funds created in it need no lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("incomes_post_many must run inside a transaction")
    if not entries:
        return
    if any(entry.kind not in INCOME_KINDS or entry.amount <= 0 for entry in entries):
        raise ValidationError(_("Only money received can be posted here."))
    locked = lock_funds(*(entry.fund for entry in entries))
    balances = {entry.fund_id: Decimal("0.00") for entry in entries}
    balances.update((pk, fund.balance) for pk, fund in locked.items())
    for entry in entries:
        balances[entry.fund_id] += entry.amount
        entry.balance_after = balances[entry.fund_id]
        entry.posted_by = acting_user
    _store_postings(entries, balances, acting_user, save_entries)


@transaction.atomic
def disbursements_post_many(
    *,
    rows: list[tuple[Case, Decimal | None, bool]],
    kind: str,
    fund: Fund,
    activity: Activity,
    leader: str = "",
    handled_by: str = "",
    item: str = "",
    quantity: int | None = None,
    unit_value: Decimal | None = None,
    acting_user,
) -> list[Disbursement]:
    """One activity's disbursements from one fund: ``disbursement_post``'s rules, bulk writes.

    ``rows`` are (case, cash amount, receipt signed). ``disbursement_post`` costs about 35
    queries a posting (scope checks and ``full_clean``); here scope is checked once per
    call, the rules per row in memory, and the money moves through
    ``disbursements_pay_out``. Paying a case that is not on file is not offered: that
    needs an approver, one by one.
    """
    paying_unit, campaign = activity.unit, activity.campaign
    require(acting_user, ADD_DISBURSEMENT, paying_unit, fund, activity, campaign)
    refusal = outside_period_message(activity.held_on, campaign)
    if refusal:
        raise ValidationError({"disbursed_on": refusal})
    case_ids = {case.pk for case, _amount, _signed in rows}
    if Case.objects.for_user(acting_user).filter(pk__in=case_ids).count() != len(case_ids):
        raise PermissionDenied
    disbursements = []
    for case, cash_amount, receipt_signed in rows:
        if case.status not in ACTIVE_STATUSES:
            raise ValidationError({"case": not_on_file_message(case)})
        disbursement = Disbursement(
            case=case,
            disbursed_on=activity.held_on,
            kind=kind,
            cash_amount=quantize_yuan(cash_amount) if cash_amount is not None else None,
            item=item,
            quantity=quantity,
            unit_value=quantize_yuan(unit_value) if unit_value is not None else None,
            fund=fund,
            campaign=campaign,
            activity=activity,
            paying_unit=paying_unit,
            leader=leader,
            handled_by=handled_by,
            receipt_signed=receipt_signed,
            posted_by=acting_user,
        )
        # The foreign keys were checked above; the rest of full_clean, without a query.
        disbursement.clean_fields(
            exclude=[f.name for f in Disbursement._meta.concrete_fields if f.is_relation]
        )
        disbursement.clean()
        disbursements.append(disbursement)
    disbursements_pay_out(disbursements, acting_user=acting_user)
    # DisbursementQuerySet.bulk_create adds them to the aggregates.
    bulk_create_with_history(disbursements, Disbursement, default_user=acting_user)
    return disbursements


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, reason: str, acting_user) -> LedgerEntry:
    """Correct a mistake: post the opposite amount, linked to the original.

    Reversing a disbursement's entry marks the disbursement reversed; reversing either
    half of an allocation reverses both halves.
    """
    require(acting_user, REVERSE_LEDGER_ENTRY, entry)
    if not (reason or "").strip():
        raise ValidationError({"notes": _("Say why the entry is reversed.")})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new entry."))
    pair = [entry] + ([entry.counterpart] if entry.counterpart_id else [])
    pair += list(LedgerEntry.objects.filter(counterpart=entry))
    pair = list({e.pk: e for e in pair}.values())
    require(acting_user, REVERSE_LEDGER_ENTRY, *pair)  # both halves in scope
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


@transaction.atomic
def disbursements_sign_receipts(
    *, disbursements: QuerySet[Disbursement], acting_user: User
) -> int:
    """Mark the receipts of ``disbursements`` signed; returns how many were newly signed.

    One history row per changed disbursement, by ``acting_user`` (as the admin action
    always wrote), and the aggregates' unsigned counters moved with them.
    """
    require(acting_user, CHANGE_DISBURSEMENT)
    wanted = list(disbursements.filter(receipt_signed=False).values_list("pk", flat=True))
    # Locked in pk order (and read again under the lock: someone may have signed them
    # meanwhile), by key rather than through the caller's queryset, whose joins
    # PostgreSQL would refuse to lock.
    unsigned = list(
        Disbursement.objects.filter(pk__in=wanted, receipt_signed=False)
        .select_for_update()
        .order_by("pk")
    )
    if not unsigned:
        return 0
    pks = [d.pk for d in unsigned]
    if Disbursement.objects.for_user(acting_user).filter(pk__in=pks).count() != len(pks):
        raise PermissionDenied
    with aggregates.moved(pks):
        # A plain QuerySet: one UPDATE for them all, then their history rows together.
        QuerySet(Disbursement).filter(pk__in=pks).update(receipt_signed=True)
        for disbursement in unsigned:
            disbursement.receipt_signed = True
        bulk_history_create(unsigned, acting_user)
    return len(unsigned)


def bulk_history_create(instances: list[Disbursement], acting_user: User) -> None:
    Disbursement.history.bulk_history_create(
        instances, update=True, default_user=acting_user, default_change_reason=""
    )


def disbursements_note_exit(case: Case) -> int:
    """Aid dated after ``case``'s exit was paid to a case no longer on file: mark it so
    (``case_on_file_when_paid``), with the aggregates' counters, in the exit's
    transaction. An exit recorded with an earlier day than aid already posted is the one
    change that alters what was true when the aid was paid; a later verification or
    reopening does not. Returns how many were marked."""
    pks = list(
        Disbursement.objects.filter(
            case=case, disbursed_on__gt=case.exited_on, case_on_file_when_paid=True
        ).values_list("pk", flat=True)
    )
    if not pks:
        return 0
    with transaction.atomic(), aggregates.moved(pks):
        QuerySet(Disbursement).filter(pk__in=pks).update(case_on_file_when_paid=False)
    return len(pks)
