"""Pairing agreements (结对帮困协议): sponsors who support named people for years."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cases.models import Case, HouseholdMember
from core.dates import add_months
from core.money import ZERO, MoneyField
from funds.models import Disbursement
from unions.models import UnionUnit
from unions.querysets import ScopedQuerySet, unit_keys_for


class SponsorKind(models.TextChoices):
    ORGANISATION = "organisation", _("organisation")
    LEADER = "leader", pgettext_lazy("sponsor kind", "leader")
    PARTY_BRANCH = "party_branch", _("party branch")
    INDIVIDUAL = "individual", _("individual")


PUBLIC_SPONSOR_KINDS = (SponsorKind.ORGANISATION, SponsorKind.PARTY_BRANCH)


class SponsorQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def for_user(self, user) -> SponsorQuerySet:
        # Organisations and party branches (a bank branch, the customs office) are a
        # public directory any unit may sign with. A leader or an individual donor is
        # seen only by the unit that registered them and units that signed with them.
        # Which agreements of a sponsor a user sees is scoped apart (Agreement.for_user).
        in_scope = unit_keys_for(user)
        if in_scope is None:
            return self
        return self.filter(
            Q(kind__in=PUBLIC_SPONSOR_KINDS)
            | Q(unit__in=in_scope)
            | Exists(Agreement.objects.filter(sponsor=OuterRef("pk"), unit__in=in_scope))
        )


class Sponsor(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SponsorKind.choices)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="sponsors",
    )

    history = HistoricalRecords()
    objects = SponsorQuerySet.as_manager()

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["name"]
        # Unique per registering unit, not city-wide: a city-wide check would tell one
        # district that another registered an individual donor of that name.
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="sponsor_name_unique_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class AgreementKind(models.TextChoices):
    HARDSHIP = "hardship", _("hardship pairing")
    STUDENT = "student", _("student pairing")
    LEADER = "leader", _("leader pairing")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    YEARLY = "yearly", _("yearly")
    ONCE = "once", _("one-off")


PERIOD_MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", pgettext_lazy("agreement status", "active")
    EXPIRED = "expired", _("expired")
    TERMINATED = "terminated", _("terminated")


def instalments_due(
    start: datetime.date, end: datetime.date, period: str, on: datetime.date
) -> int:
    """How many instalments of an agreement are due by ``on`` (inclusive).

    One falls due at the start of each period that has begun by ``on`` and before the
    agreement ends; a one-off agreement has one, due on its start date.
    """
    if on < start:
        return 0
    if period == Period.ONCE:
        return 1
    step = PERIOD_MONTHS[period]
    # An instalment falls due at the start of a period, so none falls on the end date:
    # 2007-01-01 to 2008-01-01 is one year, one yearly instalment.
    last = min(on, end - datetime.timedelta(days=1))
    count, due = 0, start
    while due <= last:
        count += 1
        due = add_months(start, step * count)
    return count


class _StandingIterable(ModelIterable):
    """Agreements of ``with_standing(on)``, each with ``promised_each`` and ``is_behind``.

    What falls due depends on the period's calendar (``instalments_due``), which is
    worked out here rather than in SQL; everything paid comes from the annotations.
    """

    def __iter__(self):
        on = self.queryset._standing_on
        for agreement in super().__iter__():
            agreement.promised_each = agreement.promised_to(on)
            agreement.is_behind = bool(
                agreement.status == AgreementStatus.ACTIVE
                and agreement.start <= on
                and agreement.beneficiary_count
                and (agreement.least_paid or ZERO) < agreement.promised_each
            )
            yield agreement


class AgreementQuerySet(ScopedQuerySet):
    scope_field = "unit"
    _standing_on: datetime.date | None = None

    def _clone(self):
        clone = super()._clone()
        clone._standing_on = self._standing_on
        return clone

    def with_standing(self, on: datetime.date) -> AgreementQuerySet:
        """Agreements with what was paid and promised by ``on``, and whether each is behind.

        The one definition of "behind on payment" (the list, its filter, the audit): an
        agreement in effect where some beneficiary was paid less than promised to each;
        one beneficiary overpaid does not make up for another. Annotates ``paid_total``
        (paid and not reversed), ``least_paid`` (the least-paid beneficiary's total) and
        ``beneficiary_count`` as subqueries (no join fan-out, no N+1); each agreement
        read from it also carries ``promised_each`` and ``is_behind``.
        """
        paid_total = (
            AgreementPayment.objects.filter(
                beneficiary__agreement=OuterRef("pk"),
                disbursement__is_reversed=False,
                disbursement__disbursed_on__lte=on,
            )
            .order_by()
            .values("beneficiary__agreement")
            .annotate(total=Sum("disbursement__cash_amount"))
            .values("total")
        )
        least_paid = (
            Beneficiary.objects.filter(agreement=OuterRef("pk"))
            .with_paid(on)
            .order_by("paid")
            .values("paid")[:1]
        )
        beneficiary_count = (
            Beneficiary.objects.filter(agreement=OuterRef("pk"))
            .order_by()
            .values("agreement")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queryset = self.annotate(
            paid_total=Coalesce(Subquery(paid_total), ZERO, output_field=MoneyField()),
            least_paid=Subquery(least_paid, output_field=MoneyField()),
            beneficiary_count=Coalesce(Subquery(beneficiary_count), 0),
        )
        queryset._standing_on = on
        queryset._iterable_class = _StandingIterable
        return queryset

    def behind(self, on: datetime.date) -> list[Agreement]:
        """The agreements of this queryset that are behind on payment on ``on``."""
        candidates = self.filter(status=AgreementStatus.ACTIVE, start__lte=on)
        return [agreement for agreement in candidates.with_standing(on) if agreement.is_behind]

    def expiring_within(self, days: int, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.filter(
            status=AgreementStatus.ACTIVE,
            end__gte=today,
            end__lte=today + datetime.timedelta(days=days),
        )


class Agreement(models.Model):
    number = models.CharField(_("agreement number"), max_length=40, unique=True)
    sponsor = models.ForeignKey(
        Sponsor, verbose_name=_("sponsor"), on_delete=models.PROTECT, related_name="agreements"
    )
    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("signing union unit"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    amount = MoneyField(_("committed amount (yuan)"))
    period = models.CharField(_("period"), max_length=16, choices=Period.choices)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    termination_reason = models.CharField(_("reason for termination"), max_length=200, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True, editable=False)
    document = models.FileField(_("signed agreement"), upload_to="agreements/%Y/", blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing agreement")
        verbose_name_plural = _("pairing agreements")
        ordering = ["-start", "number"]
        indexes = [models.Index(fields=["unit", "status", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="agreement_end_after_start"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="agreement_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="terminated") | ~Q(termination_reason=""),
                name="agreement_termination_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.sponsor.name}"

    @property
    def effective_status(self) -> str:
        """到期 follows from the date: an active agreement past its end has expired."""
        if self.status == AgreementStatus.ACTIVE and self.end < timezone.localdate():
            return AgreementStatus.EXPIRED
        return self.status

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end date must be after the start date.")})
        if self.status == AgreementStatus.TERMINATED and not self.termination_reason.strip():
            raise ValidationError(
                {"termination_reason": _("Say why the agreement was terminated.")}
            )

    def promised_to(self, on: datetime.date | None = None) -> Decimal:
        """What each beneficiary has been promised by ``on``."""
        on = on or timezone.localdate()
        if self.status == AgreementStatus.DRAFT:
            return Decimal("0.00")
        if self.terminated_on is not None:
            # Nothing more falls due once an agreement is terminated.
            on = min(on, self.terminated_on - datetime.timedelta(days=1))
        return self.amount * instalments_due(self.start, self.end, self.period, on)


class BeneficiaryQuerySet(ScopedQuerySet):
    scope_field = "agreement__unit"

    def with_paid(self, on: datetime.date) -> BeneficiaryQuerySet:
        """Beneficiaries annotated with ``paid``: paid under their agreement by ``on``."""
        return self.annotate(
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


class Beneficiary(models.Model):
    """A person supported under an agreement: a case, or a child of a case for 助学."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("pairing agreement"),
        on_delete=models.CASCADE,
        related_name="beneficiaries",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.PROTECT, related_name="pairings"
    )
    student = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("student"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        help_text=_("For student pairing: the child in the case's household."),
    )

    history = HistoricalRecords()
    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "case", "student"], name="beneficiary_once"
            ),
        ]

    def __str__(self) -> str:
        who = self.student.name if self.student_id else self.case.name
        return f"{self.agreement.number} · {who}"

    def clean(self) -> None:
        if self.student_id and self.case_id and self.student.case_id != self.case_id:
            raise ValidationError({"student": _("The student must be in this case's household.")})
        if (
            self.agreement_id
            and self.agreement.kind == AgreementKind.STUDENT
            and not self.student_id
        ):
            raise ValidationError({"student": _("A student pairing names the student.")})


class PaymentQuerySet(ScopedQuerySet):
    scope_field = "beneficiary__agreement__unit"


class AgreementPayment(models.Model):
    """Links a disbursement to the agreement and beneficiary it was paid under."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    disbursement = models.OneToOneField(
        Disbursement,
        verbose_name=_("disbursement"),
        on_delete=models.PROTECT,
        related_name="agreement_payment",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement payment")
        verbose_name_plural = _("agreement payments")

    def __str__(self) -> str:
        return f"{self.beneficiary} · {self.disbursement.disbursed_on}"
