"""The hardship register (困难职工档案), its yearly review, referrals and visits."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Length
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
    person_label,
    validate_id_number,
)
from core.dates import a_year_before
from core.money import MoneyField
from unions.models import UnionUnit, UnitLevel
from unions.querysets import ScopedQuerySet, unit_keys_for, unit_scope_for


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
    # 临时救助档案 (FILING.md): identity, unit, cause and event only; converted (转正) to
    # pending verification once completed, or lapsed after RELIEF_TEMPORARY_FILE_DAYS.
    TEMPORARY = "temporary", _("temporary file")
    LAPSED = "lapsed", _("temporary file lapsed")


# Statuses in which a person counts as "on the register" for aid.
ACTIVE_STATUSES = (CaseStatus.VERIFIED, CaseStatus.LONG_TERM)
# Files closed: no longer asked whether they were updated (an exit is followed up
# instead; a lapsed temporary file is over).
CLOSED_STATUSES = (CaseStatus.EXITED, CaseStatus.LAPSED)
# A temporary file (or one that lapsed) may leave out what a full file needs.
TEMPORARY_STATUSES = (CaseStatus.TEMPORARY, CaseStatus.LAPSED)


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


class HardshipType(models.TextChoices):
    """困难类型 (FILING.md), computed from the household figure and the 低保 line."""

    DEEP = "deep", _("deep hardship")
    RELATIVE = "relative", _("relative hardship")
    SUDDEN = "sudden", _("sudden hardship")
    NONE = "none", _("meets no hardship type")
    UNASSESSED = "", _("not assessed")


class SuddenEvent(models.TextChoices):
    NONE = "", _("none")
    # Qualifies by itself (FILING.md's first clause of 意外致困).
    DISASTER = (
        "disaster",
        _(
            "injured, disabled or killed in a natural disaster, major accident, epidemic "
            "or public-security event"
        ),
    )
    # Qualifies when its costs or losses in the year exceed 80% of the annual income.
    COSTLY = "costly", _("sudden event, accident or major illness with costs or losses")


class ExclusionConditionQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def for_user(self, user) -> ExclusionConditionQuerySet:
        # The city-wide defaults (no unit) are every unit's checklist until it sets its own.
        keys = unit_keys_for(user)
        if keys is None:
            return self
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(Q(unit__isnull=True) | Q(unit__in=keys))

    def applying_to(self, unit: UnionUnit) -> ExclusionConditionQuerySet:
        """The checklist of ``unit``: the conditions of the nearest unit at or above it
        that set its own, or else the city-wide defaults. One query."""
        path = unit.tree_path
        prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        own = self.filter(unit__tree_path__in=prefixes, is_active=True)
        nearest = own.order_by(Length("unit__tree_path").desc()).values("unit__tree_path")[:1]
        return self.filter(is_active=True).filter(
            Q(unit__tree_path=models.Subquery(nearest))
            | Q(unit__isnull=True) & ~Exists(own.values("pk"))
        )


class ExclusionCondition(models.Model):
    """One exclusion (排除性条件) of the checklist an approver confirms before verifying."""

    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("union unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exclusion_conditions",
        help_text=_("Empty for the city-wide defaults; a unit's own list replaces them."),
    )
    text = models.CharField(_("condition"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = ExclusionConditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("exclusion condition")
        verbose_name_plural = _("exclusion conditions")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.text


class CaseQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def temporary_lapsing_by(self, day) -> CaseQuerySet:
        """Temporary files that lapse on or before ``day`` (RELIEF_TEMPORARY_FILE_DAYS
        after they were registered)."""
        from datetime import timedelta

        cutoff = day - timedelta(days=settings.RELIEF_TEMPORARY_FILE_DAYS)
        return self.filter(status=CaseStatus.TEMPORARY, registered_on__lte=cutoff)

    def not_reviewed_this_year(self, on: datetime.date) -> CaseQuerySet:
        """Cases still in hardship with no review recorded in ``on``'s year: the city
        audit's finding and the list's filter. Reads the stored ``last_reviewed_on``
        (``services.review_record`` keeps it the latest review's date, which falls in its
        year), as the case census counts it (``funds.census``)."""
        year_start = datetime.date(on.year, 1, 1)
        return self.exclude(status=CaseStatus.EXITED).filter(
            Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=year_start)
        )

    # --- the yearly queries (FILING.md "Leaving and coming back"); each reads one partial
    # index of Case.Meta, whose condition it repeats word for word.

    def not_updated_in_a_year(self, on: datetime.date) -> CaseQuerySet:
        """一年未更新: files still open (neither exited — those are followed up instead —
        nor a lapsed temporary file) that no person has written since the start of the
        same day a year before ``on``.

        "Written" is ``updated_at``: any save() (the services, the admin page, a sheet
        row that changes the file, an annual review recorded), never the set-based
        re-evaluation of a new 低保 line, which would otherwise make every file look
        updated each time a district raises its line."""
        cutoff = datetime.datetime.combine(a_year_before(on), datetime.time.min)
        if settings.USE_TZ:
            cutoff = timezone.make_aware(cutoff)
        return self.exclude(status__in=CLOSED_STATUSES).filter(updated_at__lt=cutoff)

    def due_for_review(self, on: datetime.date) -> CaseQuerySet:
        """年度复核到期: files on file (在档, 长期救助) since before ``on``'s year (or with no
        date of verification) and not reviewed in it; a file verified this year was
        checked by its verification. Reads the stored ``last_reviewed_on`` (a review's
        date falls in its year, AnnualReview.clean), not the reviews."""
        year_start = datetime.date(on.year, 1, 1)
        return self.filter(status__in=ACTIVE_STATUSES).filter(
            Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=year_start),
            Q(verified_on__isnull=True) | Q(verified_on__lt=year_start),
        )

    def follow_up_due(self, on: datetime.date) -> CaseQuerySet:
        """回访到期: exited files whose next follow-up visit is due on or before ``on``."""
        return self.filter(follow_up_due_on__lte=on, status=CaseStatus.EXITED)

    def type_review_pending(self) -> CaseQuerySet:
        """Files a re-evaluation changed and no approver has looked at yet."""
        return self.filter(type_review_pending=True)


class Case(IdNumberCleaningMixin, models.Model):
    """One person on the hardship register, unique city-wide by resident ID number."""

    name = models.CharField(_("full name"), max_length=50)
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
    # Blank only on a temporary file (Case.clean): its category is decided at 转正.
    category = models.CharField(_("category"), max_length=24, choices=Category.choices, blank=True)
    extra_categories = CategoryListField(
        _("extra categories"),
        default=list,
        blank=True,
        help_text=_("Other categories the person also belongs to, e.g. a model worker on 低保."),
    )
    causes = models.ManyToManyField(Cause, verbose_name=_("causes of hardship"), blank=True)
    household_size = models.PositiveSmallIntegerField(
        _("household size"),
        null=True,
        blank=True,
        help_text=_("People living together: the household figure is divided by them."),
    )
    monthly_income_per_capita = MoneyField(
        _("monthly income per capita (yuan)"),
        null=True,
        blank=True,
        help_text=_(
            "Computed from the incomes and rigid expenses once they are itemised; "
            "typed in only for a household not itemised."
        ),
    )
    # Household economics (FILING.md): the applicant's own income, the members' (on
    # HouseholdMember) and the rigid expenses (RigidExpense) give the household figure.
    own_annual_income = MoneyField(
        _("applicant's annual disposable income (yuan)"), null=True, blank=True
    )
    annual_household_income = MoneyField(
        _("household annual disposable income (yuan)"), null=True, blank=True, editable=False
    )
    annual_rigid_expenses = MoneyField(
        _("annual rigid expenses (yuan)"), null=True, blank=True, editable=False
    )
    income_itemised = models.BooleanField(
        _("incomes and expenses itemised"), default=False, editable=False
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
    lapsed_on = models.DateField(
        _("temporary file lapsed on"), null=True, blank=True, editable=False
    )
    last_reviewed_on = models.DateField(
        _("last reviewed on"), null=True, blank=True, editable=False, db_index=True
    )
    # 困难类型 (FILING.md): stored by the evaluation, never typed in.
    hardship_type = models.CharField(
        _("hardship type"),
        max_length=16,
        choices=HardshipType.choices,
        default=HardshipType.UNASSESSED,
        blank=True,
        editable=False,
    )
    previous_hardship_type = models.CharField(
        _("previous hardship type"),
        max_length=16,
        choices=HardshipType.choices,
        default=HardshipType.UNASSESSED,
        blank=True,
        editable=False,
    )
    type_changed_on = models.DateField(
        _("hardship type changed on"), null=True, blank=True, editable=False
    )
    # Set by a re-evaluation (a new 低保 line) that changed the type: the unit reviews it.
    # Nothing else follows from it: a verified file stays verified until an approver acts.
    type_review_pending = models.BooleanField(
        _("type change to review"), default=False, editable=False
    )
    sudden_event = models.CharField(
        _("sudden event"), max_length=16, choices=SuddenEvent.choices, blank=True, default=""
    )
    sudden_event_on = models.DateField(_("date of the event"), null=True, blank=True)
    sudden_event_description = models.CharField(_("what happened"), max_length=200, blank=True)
    sudden_costs = MoneyField(
        _("costs or losses in the year (yuan)"),
        null=True,
        blank=True,
        help_text=_("意外致困 when above 80% of the household's annual income."),
    )
    # The migrant-worker condition (困难农民工): living in the city, a year employed.
    lives_in_city = models.BooleanField(_("lives in the city"), default=False)
    employed_since = models.DateField(
        _("de facto employment since"),
        null=True,
        blank=True,
        help_text=_("For migrant workers: at least one year of employment qualifies."),
    )
    exclusions = models.ManyToManyField(
        ExclusionCondition,
        verbose_name=_("exclusions that apply"),
        blank=True,
        related_name="excluded_cases",
        help_text=_("Tick every condition that applies: a ticked file cannot be verified."),
    )
    # 回访 (FILING.md): when the next follow-up visit of an exited file is due. Set by the
    # exit (RELIEF_FOLLOW_UP_MONTHS after it) and moved on by each visit recorded; empty
    # once the last one is done and whenever the file is not exited.
    follow_up_due_on = models.DateField(
        _("follow-up due on"), null=True, blank=True, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by every save(): a person's change (the services, the admin page, a sheet row
    # that changes the file). The set-based writes (re-evaluation, anonymisation) are
    # plain UPDATEs that leave it alone on purpose: 一年未更新 reads it (cases.filters).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[causes, exclusions])
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
            # A file's unit by its key from the index alone (PostgreSQL's index-only scan):
            # the audit's yearly cap lists 15,000 people at city scale under the
            # district of their file, and fetching each file's row took 12,600 page reads.
            models.Index(fields=["id"], include=["unit"], name="case_unit_by_id"),
            models.Index(fields=["category"]),
            models.Index(fields=["hardship_type", "status"], name="case_hardship_type_idx"),
            models.Index(
                fields=["unit", "hardship_type"],
                condition=Q(type_review_pending=True),
                name="case_type_review_pending_idx",
            ),
            models.Index(fields=["status"]),
            models.Index(fields=["household_size"]),
            models.Index(fields=["name"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["-registered_on", "-id"], name="case_registered_desc"),
            # The yearly queries (cases.filters.YearlyQueryFilter and the dashboard):
            # each one's condition is the partial index's, so a count reads only it.
            models.Index(
                fields=["follow_up_due_on", "unit"],
                condition=Q(follow_up_due_on__isnull=False),
                name="case_follow_up_due_idx",
            ),
            models.Index(
                fields=["updated_at", "unit"],
                condition=~Q(status__in=CLOSED_STATUSES),
                name="case_not_updated_idx",
            ),
            models.Index(
                fields=["last_reviewed_on", "verified_on", "unit"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="case_review_due_idx",
            ),
            # The temporary files about to lapse (dashboard, list filter, the command):
            # few rows, so a small partial index.
            models.Index(
                fields=["registered_on", "unit"],
                condition=Q(status="temporary"),
                name="case_temporary_idx",
            ),
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

    def choice_label(self) -> str:
        """A choice list's text (autocomplete, drop-downs: ``adminkit``): the unit and the
        ID number's tail, so two 黄荣生 of one district are told apart."""
        label = person_label(self.name, self.id_number)
        return f"{label[:-1]} · {self.unit.name}）" if label.endswith("）") else str(self)

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
        if not self.category and self.status not in TEMPORARY_STATUSES:
            raise ValidationError(
                {"category": _("Choose the category: only a temporary file may leave it out.")}
            )
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
    name = models.CharField(_("full name"), max_length=50)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True)
    school = models.CharField(
        _("school"), max_length=100, blank=True, help_text=_("For children at school.")
    )
    annual_income = MoneyField(_("annual disposable income (yuan)"), null=True, blank=True)
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


class SharedIdNumber(models.Model):
    """An ID number found in two places: a household member and another file, or
    members of two households — the candidates the city audit's duplicate-ID rule checks
    (``cases.shared_ids``), so that it reads a few rows, not a join of a million members
    with a million files on every view.

    Kept by database triggers (``cases.shared_ids``) and only ever added to: a number
    that stopped being shared stays until a rebuild, and the rule checks each candidate
    exactly, so a stale one finds nothing."""

    id_number = models.CharField(max_length=18, primary_key=True)

    def __str__(self) -> str:
        return self.id_number


class RegistrationYearQuerySet(ScopedQuerySet):
    scope_field = "unit"


class RegistrationYear(models.Model):
    """How many files a unit registered (建档) in each year: the case list's year strip
    offers only the years with files in the user's scope, read from a few rows instead of
    a scan of a million files.

    Kept by database triggers on ``cases_case`` (``cases.registration_years``), as the
    case census is and for the same reason: files are written through doors that bypass
    save()."""

    unit = models.ForeignKey(
        UnionUnit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    year = models.IntegerField()
    cases = models.BigIntegerField(default=0)

    objects = RegistrationYearQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="registrationyear_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.cases}"


class ExpenseKind(models.TextChoices):
    MEDICAL = "medical", _("medical costs not reimbursed")
    SCHOOLING = "schooling", _("children's schooling")
    DISABILITY_CARE = "disability_care", _("disability care")
    OTHER = "other", _("other rigid expense")


class RigidExpenseQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class RigidExpense(models.Model):
    """One rigid expense (刚性支出) of a household in the year, itemised."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("hardship case"),
        on_delete=models.CASCADE,
        related_name="rigid_expenses",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ExpenseKind.choices)
    annual_amount = MoneyField(_("amount in the year (yuan)"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = RigidExpenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("rigid expense")
        verbose_name_plural = _("rigid expenses")
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_amount__gte=0), name="rigid_expense_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.annual_amount}"


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


class FollowUpOutcome(models.TextChoices):
    STILL_OUT = "still_out", _("still out of hardship")
    BACK = "back", _("back in hardship")
    UNREACHABLE = "unreachable", _("could not be reached")


class FollowUpQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class FollowUp(models.Model):
    """A follow-up visit (回访) to a file after its exit; recorded through
    ``cases.services.follow_up_record``. 返困 (back in hardship) reopens the file."""

    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    # The exit the visit follows: a file reopened and exited again starts its follow-ups
    # afresh, and the visits of its earlier exit stay on it.
    exited_on = models.DateField(_("exit followed up"))
    visited_on = models.DateField(_("visited on"), default=timezone.localdate)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=FollowUpOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["case", "exited_on"])]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} · {self.case.name}"


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


# --- the filing rules (FILING.md): the local 低保 line ----------------------------------


class SubsistenceLineQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def in_force_for(self, unit: UnionUnit, on) -> SubsistenceLineQuerySet:
        """The line ``unit`` lives under on ``on``, as one query: the nearest unit at or
        above it that has a line, its latest line effective on or before ``on``.

        The ancestors are the prefixes of the unit's tree path, so no query finds them.
        """
        path = unit.tree_path
        prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        return (
            self.filter(unit__tree_path__in=prefixes, effective_on__lte=on)
            .select_related("unit")
            .order_by(Length("unit__tree_path").desc(), "-effective_on")[:1]
        )


class SubsistenceLine(models.Model):
    """A district-level unit's city minimum-living standard (城市最低生活保障标准), in
    yuan per person per month, from the date it takes effect; units below inherit it."""

    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="subsistence_lines",
    )
    monthly_amount = MoneyField(_("minimum-living standard (yuan per person per month)"))
    effective_on = models.DateField(_("effective on"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = SubsistenceLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("minimum-living standard")
        verbose_name_plural = _("minimum-living standards")
        ordering = ["unit__tree_path", "-effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "effective_on"], name="subsistence_line_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__gt=0), name="subsistence_line_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.effective_on:%Y-%m-%d} · {self.monthly_amount}"

    def clean(self) -> None:
        if self.unit_id and self.unit.level not in (UnitLevel.DISTRICT, UnitLevel.SYSTEM):
            raise ValidationError(
                {"unit": _("Only a district-level unit sets a minimum-living standard.")}
            )
        if self.monthly_amount is not None and self.monthly_amount <= 0:
            raise ValidationError({"monthly_amount": _("Enter an amount above zero.")})


class ReevaluationQuerySet(ScopedQuerySet):
    scope_field = "unit"


class Reevaluation(models.Model):
    """One set-based re-evaluation of every file under a unit (a new 低保 line, or the
    daily run): what it found. The files themselves carry no history row for it."""

    unit = models.ForeignKey(
        UnionUnit, verbose_name=_("union unit"), on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey(
        SubsistenceLine,
        verbose_name=_("minimum-living standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reevaluations",
    )
    evaluated_on = models.DateField(_("evaluated on"))
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed = models.PositiveIntegerField(_("files whose type changed"), default=0)
    no_longer_qualify = models.PositiveIntegerField(_("files that no longer qualify"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    objects = ReevaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-evaluation")
        verbose_name_plural = _("re-evaluations")
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.evaluated_on:%Y-%m-%d}"


# --- moving a file between units (档案转接, FILING.md) --------------------------------------


class TransferState(models.TextChoices):
    PENDING = "pending", _("awaiting the receiving unit")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    CANCELLED = "cancelled", _("withdrawn by the sending unit")


class CaseTransferQuerySet(ScopedQuerySet):
    scope_field = "from_unit"

    def for_user(self, user) -> CaseTransferQuerySet:
        # Both sides see the transfer (never the file itself: that follows the case's
        # unit): the sending unit the ones it started, the receiving unit the ones
        # addressed to it, in every state; and whoever holds the file now, its moves.
        in_scope = unit_keys_for(user)
        if in_scope is None:
            return self
        return self.filter(
            Q(from_unit__in=in_scope) | Q(to_unit__in=in_scope) | Q(case__unit__in=in_scope)
        )

    def pending(self) -> CaseTransferQuerySet:
        return self.filter(state=TransferState.PENDING)

    def addressed_to(self, user) -> CaseTransferQuerySet:
        """Transfers to ``user``'s units (every one, for the city): the transfers list's
        转入本单位."""
        keys = unit_keys_for(user)
        return self if keys is None else self.filter(to_unit__in=keys)

    def awaiting_decision_by(self, user) -> CaseTransferQuerySet:
        """Pending transfers addressed to ``user``'s units: what the dashboard counts and
        the list shows filtered 转入本单位 and pending."""
        return self.for_user(user).pending().addressed_to(user)


class CaseTransfer(models.Model):
    """A file moving from the unit that holds it to a receiving unit (档案转接).

    Started by an approver of the sending unit, accepted or refused by one of the
    receiving unit (or withdrawn by the sender); the city union moves files directly
    (``direct``: accepted at once, by the city administrator who moved it)."""

    case = models.ForeignKey(
        Case, verbose_name=_("hardship case"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("sending unit"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("receiving unit"),
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    reason = models.TextField(_("reason for the transfer"))
    state = models.CharField(
        _("transfer state"),
        max_length=16,
        choices=TransferState.choices,
        default=TransferState.PENDING,
    )
    direct = models.BooleanField(_("moved by the city union"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)

    history = HistoricalRecords()
    objects = CaseTransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("file transfer")
        verbose_name_plural = _("file transfers")
        ordering = ["-started_at", "-pk"]
        permissions = [
            ("start_transfer", _("Can start and withdraw transfers of files")),
            ("decide_transfer", _("Can accept or refuse transfers of files")),
            ("move_case", _("Can move files between units directly")),
        ]
        indexes = [
            models.Index(fields=["to_unit", "state"], name="transfer_to_state_idx"),
            models.Index(fields=["from_unit", "state"], name="transfer_from_state_idx"),
            models.Index(fields=["state", "-started_at"], name="transfer_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="one_pending_transfer_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(to_unit=F("from_unit")), name="transfer_to_another_unit"
            ),
            # Maker–checker: whoever started a transfer never accepts or refuses it (they
            # may withdraw it), except the city union's own direct move.
            models.CheckConstraint(
                condition=Q(state__in=["pending", "cancelled"])
                | ~Q(decided_by=F("started_by"))
                | Q(direct=True),
                name="transfer_maker_is_not_checker",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True)
                | (~Q(state="pending") & Q(decided_by__isnull=False)),
                name="transfer_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_reason=""),
                name="transfer_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        # Names the person and both units only: admin log entries keep this text.
        return f"{self.case.name}：{self.from_unit.name} → {self.to_unit.name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.case.id_number)


# --- public notice and consent (FILING.md "Public notice and consent") ------------------


class FilingRequirementQuerySet(ScopedQuerySet):
    scope_field = "unit"

    def for_user(self, user) -> FilingRequirementQuerySet:
        # The rules of the units above one's own apply to it: they are seen (read-only).
        units = unit_scope_for(user)
        if units is None:
            return self
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        own = Exists(units.filter(StartsWith(F("tree_path"), OuterRef("unit__tree_path"))))
        return self.filter(Q(unit__in=unit_keys_for(user)) | own)

    def editable_by(self, user) -> FilingRequirementQuerySet:
        return super().for_user(user)

    def applying_to(self, unit: UnionUnit) -> FilingRequirementQuerySet:
        """The rule of the nearest unit at or above ``unit`` that sets one (one query;
        ``.first()`` is None when no unit above sets one: nothing is required)."""
        path = unit.tree_path
        prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        return (
            self.filter(unit__tree_path__in=prefixes)
            .select_related("unit")
            .order_by(Length("unit__tree_path").desc())[:1]
        )


class FilingRequirement(models.Model):
    """Whether a unit requires a public notice (公示, and for how many days) and the
    signed authorisation (授权委托书) before a file is verified; the units below inherit
    the nearest rule above them. With no rule anywhere above, neither is required."""

    unit = models.OneToOneField(
        UnionUnit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="filing_requirement",
    )
    requires_notice = models.BooleanField(_("public notice required"), default=False)
    notice_days = models.PositiveSmallIntegerField(
        _("days of public notice"),
        default=7,
        help_text=_("A notice runs at least this many days, its start and end day included."),
    )
    requires_consent = models.BooleanField(_("signed authorisation required"), default=False)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = FilingRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice and consent rule")
        verbose_name_plural = _("notice and consent rules")
        ordering = ["unit__tree_path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_days__gte=1), name="filing_requirement_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.unit.name if self.unit_id else ""

    def clean(self) -> None:
        if self.notice_days is not None and self.notice_days < 1:
            raise ValidationError({"notice_days": _("A notice runs at least one day.")})


class PublicNoticeQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class PublicNotice(models.Model):
    """One public-notice period (公示) of a file: where it was posted, from and to."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("hardship case"),
        on_delete=models.PROTECT,
        related_name="public_notices",
    )
    starts_on = models.DateField(_("notice starts on"))
    ends_on = models.DateField(
        _("notice ends on"),
        blank=True,
        help_text=_("Left empty: the start date plus the unit's days of notice."),
    )
    place = models.CharField(_("where it was posted"), max_length=200)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = PublicNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="public_notice_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        if not (self.starts_on and self.ends_on):
            return ""
        return f"{self.starts_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d} {self.place}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The notice cannot end before it starts.")})


class ObjectionOutcome(models.TextChoices):
    OPEN = "open", _("unresolved")
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


class NoticeObjectionQuerySet(ScopedQuerySet):
    scope_field = "notice__case__unit"

    def unresolved(self) -> NoticeObjectionQuerySet:
        return self.filter(outcome=ObjectionOutcome.OPEN)


class NoticeObjection(models.Model):
    """An objection raised while a file was on public notice, and how it was decided."""

    notice = models.ForeignKey(
        PublicNotice,
        verbose_name=_("public notice"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    raised_by = models.CharField(
        _("raised by"), max_length=100, blank=True, help_text=_("Empty when anonymous.")
    )
    content = models.TextField(_("what was objected"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ObjectionOutcome.choices, default="open"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision = models.TextField(_("findings"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = NoticeObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "pk"]
        indexes = [models.Index(fields=["notice", "outcome"])]

    def __str__(self) -> str:
        return f"{self.received_on:%Y-%m-%d} {self.get_outcome_display()}"


class ConsentFormQuerySet(ScopedQuerySet):
    scope_field = "case__unit"


class ConsentForm(models.Model):
    """The applicant's signed authorisation (授权委托书) for the union to check income
    and assets with other agencies: the date signed and the scanned copy, kept under
    PRIVATE_MEDIA_ROOT (``cases.scans``) and served only by its admin's download view."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("hardship case"),
        on_delete=models.PROTECT,
        related_name="consent_forms",
    )
    signed_on = models.DateField(_("signed on"))
    scan_name = models.CharField(max_length=200, editable=False)
    scan_file_name = models.CharField(_("file"), max_length=200, editable=False)
    scan_content_type = models.CharField(max_length=40, editable=False)
    scan_size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = ConsentFormQuerySet.as_manager()

    class Meta:
        verbose_name = _("signed authorisation")
        verbose_name_plural = _("signed authorisations")
        ordering = ["-signed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.signed_on:%Y-%m-%d}" if self.signed_on else ""
