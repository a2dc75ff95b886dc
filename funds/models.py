"""Relief funds, their permanent ledgers, and disbursements (发放)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import Activity, Campaign, Case, CaseStatus
from core.money import MoneyField, format_yuan
from funds.aggregates import ALL_YEARS
from unions.models import UnionUnit
from unions.querysets import ScopedQuerySet


class FundKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Spring Festival campaign fund")
    FOUNDATION = "foundation", _("relief foundation")
    MUTUAL_AID = "mutual_aid", _("mutual-aid fund")
    STUDENT_AID = "student_aid", _("student aid fund")
    OTHER = "other", _("other")


class FundQuerySet(ScopedQuerySet):
    scope_field = "unit"


class Fund(models.Model):
    """A pot of relief money owned by one union unit.

    ``balance`` is a stored running balance, changed only by ``funds.services`` in the
    same transaction that posts a ledger entry, under a row lock; a database check
    keeps it from ever going below zero.
    """

    unit = models.ForeignKey(
        UnionUnit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="funds"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=FundKind.choices)
    balance = MoneyField(_("balance (yuan)"), default=Decimal("0.00"), editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["balance"])
    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["unit__tree_path", "name"]
        permissions = [("allocate_fund", _("Can allocate money to lower units' funds"))]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="fund_name_unique_in_unit"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="fund_never_below_zero"),
        ]

    #: what str() reads besides the row (adminkit's scoped list filters select it)
    label_related = ("unit",)

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.name}）"

    def choice_label(self) -> str:
        """A choice list's text (``adminkit.scope.choice_label``): the balance, so the
        clerk sees which fund can pay before posting."""
        return _("%(fund)s · balance %(balance)s yuan") % {
            "fund": self,
            "balance": format_yuan(self.balance),
        }


class EntryKind(models.TextChoices):
    ALLOCATION_IN = "allocation_in", _("allocation from the upper union")
    OWN_BUDGET = "own_budget", _("own budget")
    DONATION = "donation", _("donation")
    SPONSOR = "sponsor", _("sponsor payment")
    DISBURSEMENT = "disbursement", _("disbursement")
    ALLOCATION_OUT = "allocation_out", _("allocation to a lower union")
    REVERSAL = "reversal", _("reversal")


INCOME_KINDS = (
    EntryKind.ALLOCATION_IN,
    EntryKind.OWN_BUDGET,
    EntryKind.DONATION,
    EntryKind.SPONSOR,
)


class LedgerEntryQuerySet(ScopedQuerySet):
    scope_field = "fund__unit"

    # Posted entries are permanent: bulk changes through the ORM are refused too.
    def update(self, **kwargs):
        raise TypeError("Ledger entries are never changed; post a reversal instead.")

    def delete(self):
        raise TypeError("Ledger entries are never deleted; post a reversal instead.")


class LedgerEntry(models.Model):
    """One posting to a fund: money in (positive) or out (negative). Never edited."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    amount = MoneyField(_("amount (yuan)"), help_text=_("Positive for money in, negative out."))
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("Who gave it: unit, donor, sponsor.")
    )
    source_unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("giving unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counterpart = models.OneToOneField(
        "self",
        verbose_name=_("other side of the allocation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    balance_after = MoneyField(_("balance after (yuan)"))

    history = HistoricalRecords()
    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-posted_at", "-id"]
        permissions = [("reverse_ledgerentry", _("Can reverse ledger entries"))]
        indexes = [models.Index(fields=["fund", "posted_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Ledger entries are never changed; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are never deleted; post a reversal instead.")


class DisbursementKind(models.TextChoices):
    CONDOLENCE = "condolence", _("condolence money")
    SUBSIDY = "subsidy", _("hardship subsidy")
    STUDENT_AID = "student_aid", _("student aid")
    MEDICAL = "medical", _("medical aid")
    GOODS = "goods", _("goods")
    # 临时救助: one-off aid for a sudden hardship, the only kind a temporary file
    # (临时救助档案) receives (funds.services.disbursement_post).
    TEMPORARY_AID = "temporary_aid", _("temporary relief")


class DisbursementQuerySet(ScopedQuerySet):
    scope_field = "paying_unit"

    # Bulk writes through the ORM keep the maintained aggregates right too
    # (``funds.aggregates``): the services' bulk postings, the demo, tests, fixes in a shell.
    def bulk_create(self, objs, *args, **kwargs):
        from funds import aggregates

        objs = list(objs)
        note_on_file(objs)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            aggregates.add(obj.pk for obj in created)
        return created

    def update(self, **kwargs):
        from funds import aggregates

        # Money that has moved is never edited, in bulk neither (as LedgerEntry refuses):
        # only what the admin may change after posting, and the reversal's own flag.
        refused = set(kwargs) - {*self.model.EDITABLE_AFTER_POSTING, "is_reversed"}
        if refused:
            raise TypeError(
                "Posted disbursements are never changed (%s); post a reversal instead."
                % ", ".join(sorted(refused))
            )
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            with aggregates.moved(pks):
                return QuerySet(self.model, using=self.db).filter(pk__in=pks).update(**kwargs)

    def delete(self):
        from funds import aggregates

        with transaction.atomic(using=self.db):
            aggregates.add(self.values_list("pk", flat=True), -1)
            return super().delete()

    def with_values(self) -> DisbursementQuerySet:
        return self.annotate(
            goods_total=models.functions.Coalesce(
                models.F("quantity") * models.F("unit_value"),
                Decimal("0"),
                output_field=MoneyField(),
            )
        )


def case_on_file(case: Case, on) -> bool:
    """Whether ``case`` was on the register on day ``on``, as the register says now: the
    audit's rule (verified by then, not pending, not exited before it)."""
    if case.status in (CaseStatus.PENDING, CaseStatus.LAPSED):
        return False
    if case.status == CaseStatus.TEMPORARY:
        # A temporary file exists to be helped at once (FILING.md): its 临时救助 is
        # aid to a file on the register's own terms, not an exception for the audit.
        return True
    if case.verified_on is not None and on < case.verified_on:
        return False
    return not (case.status == CaseStatus.EXITED and case.exited_on and on > case.exited_on)


def note_on_file(disbursements) -> None:
    """Set ``case_on_file_when_paid`` of new, unsaved ``disbursements`` from their cases
    as they stand now, the moment of posting (the cases already loaded, or one query)."""
    missing = {
        d.case_id for d in disbursements if d.case_id and not Disbursement.case.is_cached(d)
    }
    fetched = Case.objects.in_bulk(missing) if missing else {}
    for disbursement in disbursements:
        if not disbursement.case_id:
            continue
        case = fetched.get(disbursement.case_id) or disbursement.case
        disbursement.case_on_file_when_paid = case_on_file(case, disbursement.disbursed_on)


class Disbursement(models.Model):
    """Aid handed to one person: cash from a fund, or goods (optionally bought from one)."""

    case = models.ForeignKey(
        Case, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="disbursements"
    )
    disbursed_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DisbursementKind.choices)
    cash_amount = MoneyField(_("cash (yuan)"), null=True, blank=True)
    item = models.CharField(_("item"), max_length=50, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    unit_value = MoneyField(_("unit value (yuan)"), null=True, blank=True)
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    paying_unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("paying unit"),
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    paid_directly_by = models.CharField(
        _("paid directly by"),
        max_length=100,
        blank=True,
        help_text=_("A sponsor who paid the beneficiary directly, not through a fund."),
    )
    leader = models.CharField(_("leader"), max_length=50, blank=True)
    handled_by = models.CharField(_("handled by"), max_length=50, blank=True)
    receipt_signed = models.BooleanField(_("receipt signed"), default=False)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="disbursement",
    )
    is_reversed = models.BooleanField(_("reversed"), default=False, editable=False)
    # The audit's "aid to a case not on file" is about the register *when the aid was
    # paid*, so it is decided once, when the disbursement is posted (``note_on_file``),
    # and never recomputed from the case's later status: a case verified, exited or
    # reopened afterwards does not change what was true when it was paid. Stored, the
    # city dashboard counts it from a counter instead of joining 5M rows with their cases.
    case_on_file_when_paid = models.BooleanField(
        _("case on file when paid"), default=True, editable=False
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now, editable=False)

    #: What may still change once a disbursement is posted (the admin, the sheet):
    #: anything else is corrected by reversing its ledger entry.
    EDITABLE_AFTER_POSTING = ("receipt_signed", "notes")

    history = HistoricalRecords()
    objects = DisbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-disbursed_on", "-id"]
        indexes = [
            models.Index(fields=["paying_unit", "disbursed_on"]),
            models.Index(fields=["case", "disbursed_on"]),
            # 从未帮扶 (funds.selectors.cases_never_aided): NOT EXISTS a disbursement
            # not reversed, read from this index alone.
            models.Index(
                fields=["case"], condition=Q(is_reversed=False), name="disbursement_case_paid_idx"
            ),
            models.Index(fields=["campaign", "paying_unit"]),
            models.Index(fields=["disbursed_on"]),
            models.Index(fields=["fund", "disbursed_on"]),
            models.Index(fields=["kind"]),
            # The audit's unsigned receipts, a small slice of 5M rows (265 → 38 ms).
            models.Index(
                fields=["paying_unit", "disbursed_on"],
                condition=Q(receipt_signed=False, is_reversed=False),
                name="disbursement_unsigned_idx",
            ),
            # The audit's listing of aid to cases not on file when paid (a few in 1,000).
            models.Index(
                fields=["paying_unit", "disbursed_on"],
                condition=Q(case_on_file_when_paid=False, is_reversed=False),
                name="disbursement_off_file_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_amount__isnull=True) | Q(cash_amount__gt=0),
                name="disbursement_cash_positive",
            ),
            models.CheckConstraint(
                condition=Q(unit_value__isnull=True) | Q(unit_value__gte=0),
                name="disbursement_unit_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=1),
                name="disbursement_quantity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disbursed_on} {self.get_kind_display()} · {self.case.name}"

    def save(self, *args, **kwargs) -> None:
        # Every single save keeps the maintained aggregates right (``funds.aggregates``):
        # a posting, a reversal, a receipt or note changed in the admin. Bulk writes
        # (``bulk_create``, the sheets) call ``funds.aggregates`` themselves.
        from funds import aggregates

        if self._state.adding or self.pk is None:
            note_on_file([self])
            with transaction.atomic():
                super().save(*args, **kwargs)
                aggregates.add([self.pk])
        else:
            with aggregates.moved([self.pk]):
                super().save(*args, **kwargs)

    @property
    def goods_value(self) -> Decimal:
        if self.quantity and self.unit_value is not None:
            return self.quantity * self.unit_value
        return Decimal("0.00")

    @property
    def total_value(self) -> Decimal:
        return (self.cash_amount or Decimal("0.00")) + self.goods_value

    @property
    def fund_charge(self) -> Decimal:
        """What this disbursement takes out of its fund: cash, or goods bought from it."""
        return self.total_value if self.fund_id else Decimal("0.00")

    def clean(self) -> None:
        errors = {}
        if self.kind == DisbursementKind.GOODS:
            if not self.item:
                errors["item"] = _("Name the goods, e.g. 棉被.")
            if not self.quantity:
                errors["quantity"] = _("Goods need a quantity of at least 1.")
            if self.unit_value is None:
                errors["unit_value"] = _("Goods need a unit value (0 for donated goods).")
        else:
            if not self.cash_amount:
                errors["cash_amount"] = _("Enter the cash amount.")
            elif self.cash_amount < 0:
                # Said in words here; the database check behind it would only name itself.
                errors["cash_amount"] = _("The amount must be more than zero.")
            if not self.fund_id and not self.paid_directly_by:
                errors["fund"] = _(
                    "Cash is paid from a fund: choose one (or name the sponsor who paid directly)."
                )
            if self.fund_id and self.paid_directly_by:
                errors["paid_directly_by"] = _(
                    "Money paid directly by a sponsor does not come out of a fund."
                )
        if self.activity_id and self.campaign_id and self.activity.campaign_id != self.campaign_id:
            errors["activity"] = _("This activity belongs to another campaign.")
        if self.fund_id and self.paying_unit_id:
            # A town union may pay out of its district's fund, never a sibling's.
            if not self.paying_unit.tree_path.startswith(self.fund.unit.tree_path):
                errors["fund"] = _("The fund must belong to the paying unit or a unit above it.")
        if errors:
            raise ValidationError(errors)


# --- maintained aggregates --------------------------------------------------------------
#
# The pages (the disbursement list's totals, the summary, the bulletin, the audit and the
# dashboard) read these instead of millions of disbursements. ``funds.aggregates`` keeps
# them in the transaction of every write to a disbursement; ``rebuild_aggregates``
# recomputes them from the raw rows. Money is kept in fen as integers so that sums are
# exact on SQLite too (it adds decimals as floats). Fund and campaign are plain keys with
# 0 for "none", not nullable foreign keys: a unique key with NULLs in it does not conflict,
# so ``INSERT … ON CONFLICT`` could not find the row to add to. The day and person × year
# tables hold no case's category or unit: the pages join the case for its current ones.
# The person × unit rows do hold the category and 困难类型 each person is counted under
# (``DisbursementUnitYear`` breaks 人数 down by them), and ``funds.aggregates.reclassify``
# moves a person's rows when the case's change; moving a case to another unit needs no
# change anywhere (aid is kept by the paying unit).


class PaidByQuerySet(ScopedQuerySet):
    scope_field = "paying_unit"


class DisbursementDay(models.Model):
    """Posted, unreversed disbursements per paying unit × day × kind × fund × campaign."""

    paying_unit = models.ForeignKey(
        UnionUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=DisbursementKind.choices)
    fund_key = models.BigIntegerField(default=0)
    campaign_key = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    cash_fen = models.BigIntegerField(default=0)
    goods_fen = models.BigIntegerField(default=0)
    unsigned = models.BigIntegerField(default=0)
    # Of ``count``, paid to a case not on file at the time (``case_on_file_when_paid``).
    off_file = models.BigIntegerField(default=0)

    objects = PaidByQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paying_unit", "day", "kind", "fund_key", "campaign_key"],
                name="disbursementday_key",
            )
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.paying_unit_id} {self.day} {self.kind}: {self.count}"


class DisbursementCaseYear(models.Model):
    """The same per person × paying unit × calendar year × campaign: 人数 is counted here
    (it cannot be summed across groups), and one person's aid in a year (the audit)."""

    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    paying_unit = models.ForeignKey(
        UnionUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.IntegerField()
    campaign_key = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    cash_fen = models.BigIntegerField(default=0)
    goods_fen = models.BigIntegerField(default=0)

    objects = PaidByQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "paying_unit", "year", "campaign_key"],
                name="disbursementcaseyear_key",
            )
        ]
        indexes = [
            models.Index(fields=["year", "paying_unit"]),
            models.Index(fields=["campaign_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.paying_unit_id} {self.year}: {self.count}"


class UnitQuerySet(ScopedQuerySet):
    scope_field = "unit"


class DisbursementPersonUnit(models.Model):
    """Per person × union unit × year (0: all years): how many unreversed disbursements
    the unit paid the person (``own``), or the unit and every unit below it (not
    ``own``), and how much; with the category and 困难类型 the person is counted under.

    What makes 人数 a stored number: ``DisbursementUnitTotal.people`` (all years) and
    ``DisbursementUnitYear.people`` count the rows here whose ``count`` is above zero,
    kept by ``funds.aggregates`` as the counts cross zero. A unit's rows are keyed by the
    units of its tree path, so moving a unit moves its rows (``funds.signals``); a case
    whose category or type changes has its rows moved between the breakdown's cells
    (``funds.aggregates.reclassify``)."""

    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    unit = models.ForeignKey(
        UnionUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    own = models.BooleanField()
    year = models.IntegerField(default=ALL_YEARS)
    category = models.CharField(max_length=24, default="")
    hardship_type = models.CharField(max_length=16, default="")
    count = models.BigIntegerField(default=0)
    cash_fen = models.BigIntegerField(default=0)
    goods_fen = models.BigIntegerField(default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit", "own", "year"], name="disbursementpersonunit_key"
            )
        ]
        indexes = [
            # The audit's yearly cap: the people of a scope's whole tree whose aid in a
            # year is over it, found by a range scan however many were paid. The included
            # columns make it an index-only scan on PostgreSQL (an expression's columns
            # must be in the index too): counting the 15,000 people over the cap at city
            # scale read 14,600 heap pages, 500 ms of CPU on every view of the audit.
            models.Index(
                "unit",
                "own",
                "year",
                models.F("cash_fen") + models.F("goods_fen"),
                name="personunit_year_amount",
                include=["case", "cash_fen", "goods_fen"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.unit_id} {self.own} {self.year}: {self.count}"


class DisbursementUnitTotal(models.Model):
    """Per union unit, all years: the people paid (人数, each once), disbursements, cash,
    goods, unsigned receipts and aid to cases not on file when paid, paid by the unit
    itself (``own``) or by it and every unit below it."""

    unit = models.ForeignKey(
        UnionUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    own = models.BooleanField()
    people = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    cash_fen = models.BigIntegerField(default=0)
    goods_fen = models.BigIntegerField(default=0)
    unsigned = models.BigIntegerField(default=0)
    off_file = models.BigIntegerField(default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "own"], name="disbursementunittotal_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.own}: {self.people} people, {self.count}"


class DisbursementUnitYear(models.Model):
    """Per union unit (``own`` or its whole tree) × year (0: all years) × the category and
    困难类型 people are counted under: 人数, disbursements, cash and goods.

    A person is in one cell of a unit and year, so 人数 adds up across categories and
    types (never across units or years): the summary by unit, category or type of a whole
    scope, for all years or one, is a sum of a few of these rows."""

    unit = models.ForeignKey(
        UnionUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    own = models.BooleanField()
    year = models.IntegerField(default=ALL_YEARS)
    category = models.CharField(max_length=24)
    hardship_type = models.CharField(max_length=16)
    people = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    cash_fen = models.BigIntegerField(default=0)
    goods_fen = models.BigIntegerField(default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "own", "year", "category", "hardship_type"],
                name="disbursementunityear_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.own} {self.year} {self.category}: {self.people} people"


class CaseAid(models.Model):
    """Per case: the disbursements it received that were not reversed (0: never aided,
    从未帮扶). Kept by ``funds.aggregates`` with the others; the case census reads it."""

    case = models.OneToOneField(
        Case,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
    )
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.count}"


class CaseCensusQuerySet(ScopedQuerySet):
    scope_field = "unit"


class CaseCensus(models.Model):
    """How many files a unit holds per status × the year last checked (the later of the
    last annual review and the verification; 0: never) × the year last reviewed (0:
    never) × whether any aid reached them: what the dashboard's 年度复核到期 and 从未帮扶
    and the audit's "not reviewed this year" count, as a sum of a few rows.

    Kept by database triggers on ``cases_case`` and ``funds_caseaid`` (``funds.census``),
    because files change through many doors that bypass save() — sheet bulk writes,
    transfers, the lapse command, re-evaluation — and a trigger misses none of them."""

    unit = models.ForeignKey(
        UnionUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices)
    checked_year = models.IntegerField(default=0)
    reviewed_year = models.IntegerField(default=0)
    aided = models.BooleanField(default=False)
    cases = models.BigIntegerField(default=0)

    objects = CaseCensusQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "status", "checked_year", "reviewed_year", "aided"],
                name="casecensus_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status} {self.checked_year} {self.aided}: {self.cases}"
