"""The hardship register (困难职工档案), its yearly review, referrals and visits."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.idnumbers import (
    IdNumberError,
    birth_date_from_id,
    gender_from_id,
    mask_id_number,
    validate_id_number,
)
from core.money import MoneyField
from unions.models import UnionUnit
from unions.querysets import ScopedQuerySet, unit_scope_for


class Category(models.TextChoices):
    HARDSHIP_WORKER = "hardship_worker", _("hardship worker")
    EXTREME_HARDSHIP = "extreme_hardship", _("extreme-hardship worker")
    MODEL_WORKER = "model_worker", _("model worker in hardship")
    UNION_CADRE = "union_cadre", _("union cadre in hardship")
    RETIREE = "retiree", _("retiree in hardship")
    MIGRANT = "migrant", _("migrant worker in hardship")
    VETERAN = "veteran", _("demobilised veteran")
    DISABLED_VETERAN = "disabled_veteran", _("disabled veteran")
    SUBSISTENCE = "subsistence", _("subsistence-allowance household")


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class CaseStatus(models.TextChoices):
    PENDING = "pending", _("pending verification")
    VERIFIED = "verified", _("on file")
    LONG_TERM = "long_term", _("long-term aid")
    EXITED = "exited", _("exited hardship")


# Statuses in which a person counts as "on the register" for aid.
ACTIVE_STATUSES = (CaseStatus.VERIFIED, CaseStatus.LONG_TERM)


class CategoryListField(models.JSONField):
    """A list of category codes, edited as check boxes."""

    def formfield(self, **kwargs):
        from django import forms

        return forms.TypedMultipleChoiceField(
            choices=Category.choices,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )


class IdNumberCleaningMixin:
    """Normalise ``id_number`` to its canonical 18 characters before field validation,
    reporting a bad number on that field together with every other field's errors.
    A blank number is validated only where ``id_number_required``."""

    id_number_required = True

    def clean_fields(self, exclude=None) -> None:
        errors = {}
        checked = not exclude or "id_number" not in exclude
        if checked and (self.id_number or self.id_number_required):
            try:
                self.id_number = validate_id_number(self.id_number or "")
            except IdNumberError as error:
                errors["id_number"] = error.messages
        try:
            super().clean_fields(exclude={*(exclude or ()), *errors})
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)


class Cause(models.Model):
    """A cause of hardship (致困原因); the fixed list is loaded by a data migration."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("cause of hardship")
        verbose_name_plural = _("causes of hardship")
        ordering = ["sort_order"]

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def not_reviewed_in(self, year: int) -> CaseQuerySet:
        """Cases still in hardship with no review recorded for ``year``."""
        reviewed = AnnualReview.objects.filter(case=OuterRef("pk"), year=year)
        return self.exclude(status=CaseStatus.EXITED).exclude(Exists(reviewed))


class Case(IdNumberCleaningMixin, models.Model):
    """One person on the hardship register, unique city-wide by resident ID number."""

    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(
        _("resident ID number"),
        max_length=18,
        unique=True,
        help_text=_("18 digits (the last may be X); a legacy 15-digit number is converted."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("date of birth"), editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    unit = models.ForeignKey(
        UnionUnit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="cases"
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    extra_categories = CategoryListField(
        _("extra categories"),
        default=list,
        blank=True,
        help_text=_("Other categories the person also belongs to, e.g. a model worker on 低保."),
    )
    causes = models.ManyToManyField(Cause, verbose_name=_("causes of hardship"), blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    monthly_income_per_capita = MoneyField(
        _("monthly income per capita (yuan)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.PENDING
    )
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    verified_on = models.DateField(_("verified on"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certificate_number = models.CharField(_("aid certificate number"), max_length=40, blank=True)
    certificate_valid_from = models.DateField(_("certificate valid from"), null=True, blank=True)
    certificate_valid_until = models.DateField(_("certificate valid until"), null=True, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True, editable=False)
    exit_reason = models.CharField(_("exit reason"), max_length=200, blank=True, editable=False)
    last_reviewed_on = models.DateField(
        _("last reviewed on"), null=True, blank=True, editable=False, db_index=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[causes])
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("hardship case")
        verbose_name_plural = _("hardship cases")
        ordering = ["-registered_on", "-id"]
        permissions = [
            ("view_full_id_number", _("Can view full resident ID numbers")),
            ("verify_case", _("Can verify and exit cases")),
            ("submit_referral", _("Can refer cases to the city union")),
            ("decide_referral", _("Can approve or reject referrals")),
            ("anonymise_case", _("Can anonymise cases past their retention period")),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["category"]),
            models.Index(fields=["status"]),
            models.Index(fields=["household_size"]),
            models.Index(fields=["name"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["-registered_on", "-id"], name="case_registered_desc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(household_size__isnull=True) | Q(household_size__gte=1),
                name="case_household_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(monthly_income_per_capita__isnull=True)
                | Q(monthly_income_per_capita__gte=0),
                name="case_income_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.LONG_TERM) | ~Q(certificate_number=""),
                name="case_long_term_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        # Never the ID number: admin log entries keep this text forever.
        return f"{self.name}（{self.unit.name}）" if self.unit_id else self.name

    def save(self, *args, **kwargs) -> None:
        self.derive_from_id_number()
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def derive_from_id_number(self) -> None:
        """Gender and birth date come from the (canonical) ID number."""
        if len(self.id_number or "") == 18:
            self.gender = gender_from_id(self.id_number)
            self.birth_date = birth_date_from_id(self.id_number)

    def clean_fields(self, exclude=None) -> None:
        super().clean_fields(exclude)
        self.derive_from_id_number()

    def clean(self) -> None:
        if self.status == CaseStatus.LONG_TERM and not self.certificate_number:
            raise ValidationError(
                {"certificate_number": _("Long-term aid needs an aid certificate number.")}
            )
        if self.certificate_number and self.status != CaseStatus.LONG_TERM:
            raise ValidationError(
                {"certificate_number": _("Only a case on long-term aid has a certificate.")}
            )

    def validate_unique(self, exclude=None) -> None:
        # A person is on file once in the whole city. The message names the unit that
        # holds them (so the clerk knows whom to call) and nothing else about them.
        if self.id_number and (not exclude or "id_number" not in exclude):
            holder = (
                Case.objects.filter(id_number=self.id_number)
                .exclude(pk=self.pk)
                .values_list("unit__name", flat=True)
                .first()
            )
            if holder is not None:
                raise ValidationError(
                    {
                        "id_number": _("This person is already on file at %(unit)s.")
                        % {"unit": holder}
                    }
                )
            exclude = {*(exclude or ()), "id_number"}
        super().validate_unique(exclude=exclude)


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    OTHER = "other", _("other relative")


class HouseholdMemberQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class HouseholdMember(IdNumberCleaningMixin, models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.CASCADE, related_name="members"
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    school = models.CharField(
        _("school"), max_length=100, blank=True, help_text=_("For children at school.")
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    id_number_required = False

    history = HistoricalRecords()
    objects = HouseholdMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        indexes = [
            models.Index(fields=["id_number"]),
            # The city audit's duplicate-ID rule groups members by number (2.3 → 1.4 s
            # at 1M members): only those with a number, and the case beside it.
            models.Index(
                fields=["id_number", "case"],
                condition=~Q(id_number=""),
                name="member_id_number_case_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("hardship continues")
    CHANGED = "changed", _("circumstances changed")
    EXIT = "exit", _("recommend exit")


class AnnualReviewQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class AnnualReview(models.Model):
    """The yearly review (年度复核) of one case."""

    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.CASCADE, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = AnnualReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["case", "year"], name="review_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.case.name}"

    def clean(self) -> None:
        if self.reviewed_on and self.year and self.reviewed_on.year != self.year:
            raise ValidationError({"year": _("The review date must fall in the review year.")})


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting decision")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class ReferralQuerySet(ScopedQuerySet):
    scope_field = "case__unit"

    def awaiting_decision(self) -> ReferralQuerySet:
        return self.filter(status=ReferralStatus.SUBMITTED)


class Referral(models.Model):
    """A unit's request to the city union for long-term aid (向市总反映)."""

    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.PROTECT, related_name="referrals"
    )
    reason = models.TextField(_("reason for referral"))
    status = models.CharField(
        _("referral status"),
        max_length=16,
        choices=ReferralStatus.choices,
        default=ReferralStatus.SUBMITTED,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    certificate_number = models.CharField(_("aid certificate number"), max_length=40, blank=True)
    valid_from = models.DateField(_("certificate valid from"), null=True, blank=True)
    valid_until = models.DateField(_("certificate valid until"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    history = HistoricalRecords()
    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral to the city union")
        verbose_name_plural = _("referrals to the city union")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="submitted"),
                name="one_open_referral_per_case",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("submitted_by")),
                name="referral_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.name} · {self.get_status_display()}"


class CampaignQuerySet(ScopedQuerySet):
    scope_field = "organiser"

    def for_user(self, user) -> CampaignQuerySet:
        # A campaign is seen by its organiser's scope and by every unit below the
        # organiser: a city campaign is the frame each district records its visits in.
        units = unit_scope_for(user)
        if units is None:
            return self
        return self.filter(
            Exists(units.filter(StartsWith(F("tree_path"), OuterRef("organiser__tree_path"))))
        )

    def editable_by(self, user) -> CampaignQuerySet:
        return super().for_user(user)


class Campaign(models.Model):
    """A relief campaign (活动), e.g. 2007年春节送温暖."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    organiser = models.ForeignKey(
        UnionUnit,
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = MoneyField(_("budget (yuan)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="campaign_budget_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("home visits")
    SYMPOSIUM = "symposium", _("symposium")
    STUDENT_AID = "student_aid", _("student aid drive")
    OTHER = "other", _("other")


class ActivityQuerySet(ScopedQuerySet):
    scope_field = "unit"


class Activity(models.Model):
    """One visit route, symposium or aid drive within a campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=100)
    held_on = models.DateField(_("date"))
    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    leaders = models.CharField(_("leaders"), max_length=200, blank=True)
    route_label = models.CharField(
        _("route"), max_length=20, blank=True, help_text=_("e.g. 第3路 for the third visit route.")
    )
    places = models.CharField(_("places"), max_length=200, blank=True)
    cases = models.ManyToManyField(
        Case, verbose_name=_("households reached"), blank=True, related_name="activities"
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[cases])
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "route_label"]
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"

    def clean(self) -> None:
        if self.campaign_id and self.held_on:
            campaign = self.campaign
            if not campaign.starts_on <= self.held_on <= campaign.ends_on:
                raise ValidationError(
                    {"held_on": _("The date falls outside the campaign's period.")}
                )
