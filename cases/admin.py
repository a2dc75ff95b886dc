"""Admin of the hardship register (困难职工档案), the district clerks' daily tool.

Every admin here extends :class:`adminkit.scope.ScopedAdmin`, so each door (lists,
pages, choices, autocomplete, filters, actions, history) sees only the user's units.

- Status changes (verify, exit, reopen, referral, annual review, the city's decision on a
  referral) go through :mod:`cases.services`, from admin actions on the queryset Django
  hands the action (the scoped changelist narrowed to the ticked rows). A refusal becomes
  a message; the other selected cases still go through.
- Resident ID numbers are shown in full only with ``cases.view_full_id_number``; everyone
  else sees ``320583********123X`` in the list, on the change and past-version pages, in
  history diffs and in the household; the birth date (the starred digits) is hidden from
  them, their ID search is exact-match only, and ``?id_number__…`` lookups are refused.
- The case list costs the same queries on every page and never scans the register: no
  full ``COUNT(*)`` and no date-hierarchy scans (both from :mod:`adminkit`), a whole ID
  number found through the indexes (:func:`cases.selectors.cases_by_id_number`).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Count, Q
from django.forms import CheckboxSelectMultiple
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accesslog.middleware import current_request
from adminkit.history import ClerkHistoryHelper
from adminkit.options import (
    ReadOnlyInlineMixin,
    ReadOnlyMixin,
    RecordActionsMixin,
    ServiceAddMixin,
)
from adminkit.scope import (
    ScopedAdmin,
    ScopedRelatedFieldListFilter,
    ScopedTabularInline,
    scoped_queryset,
)
from adminkit.units import default_unit_id
from cases import services
from cases.accesslog import CaseAccessLogMixin
from cases.admin_actions import CaseActionsMixin
from cases.admin_views import ReferralDecisionMixin
from cases.filing import figure_terms, type_terms
from cases.filters import (
    HouseholdSizeFilter,
    RecentYearFilter,
    ReferralStatusFilter,
    ReviewedThisYearFilter,
    TemporaryFileFilter,
    TypeReviewFilter,
    YearlyQueryFilter,
)
from cases.forms import ConsentFormForm, ObjectionForm, PublicNoticeForm
from cases.idnumbers import mask_id_number
from cases.idsearch import IdSearchAdminMixin
from cases.models import (
    Activity,
    AnnualReview,
    Campaign,
    Case,
    CaseStatus,
    CaseTransfer,
    Category,
    ConsentForm,
    ExclusionCondition,
    FilingRequirement,
    FollowUp,
    HouseholdMember,
    NoticeObjection,
    ObjectionOutcome,
    PublicNotice,
    Reevaluation,
    Referral,
    RigidExpense,
    SubsistenceLine,
)
from cases.permissions import (
    ADD_CONSENT,
    ADD_NOTICE,
    VIEW_FULL_ID_NUMBER,
)
from cases.retention_admin import RetentionActionMixin
from cases.scan_views import ScanDownloadMixin
from cases.selectors import (
    cases_by_id_number,
    cases_by_short_name,
    line_in_force,
    requirement_for,
    verification_blockers,
    years_registered,
)
from cases.transfer_admin import CaseTransferAdmin, CaseTransferInline, TransferActionsMixin
from cases.transfers import pending_transfer_of
from sheets.admin import SheetAdminMixin
from unions.models import Role

# Personal fields no query string may filter on: the birth date is exactly the starred
# part of a masked ID number.
PERSONAL_FIELDS = ("id_number", "birth_date")


def sees_full_ids(user) -> bool:
    return user.has_perm(VIEW_FULL_ID_NUMBER)


# --- history pages -----------------------------------------------------------------------


class MaskedHistoryHelper(ClerkHistoryHelper):
    """History diffs ("changes" column) with ID numbers starred and birth dates hidden."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "id_number":
            return mask_id_number(value or "")
        if change.field == "birth_date":
            return "********" if value else value
        return super().prepare_delta_change_value(change, value)


class ServiceManagedAdmin(ScopedAdmin):
    """A model whose state moves only through ``cases.services``.

    django-simple-history's "revert" would save a whole past version, status and
    certificate included, bypassing the services: it is disabled, and the past-version
    page is read-only for everyone.
    """

    revertible = False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # An out-of-scope or missing id is answered by ScopedAdmin as a missing record,
        # and a POST (a revert) is refused there.
        request.past_version_page = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def shows_read_only(self, request, obj) -> bool:
        """Whether the page for ``obj`` is read-only (view permission or a past version)."""
        if obj is None:
            return False
        return getattr(request, "past_version_page", False) or not self.has_change_permission(
            request, obj
        )


# --- inlines -----------------------------------------------------------------------------


class HouseholdMemberInline(ScopedTabularInline):
    model = HouseholdMember
    extra = 0
    fields = ["relation", "name", "id_number", "school", "annual_income", "notes"]

    def get_fields(self, request, obj=None):
        if sees_full_ids(request.user):
            return self.fields
        return ["id_number_masked" if name == "id_number" else name for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if sees_full_ids(request.user) else ["id_number_masked"]

    @admin.display(description=_("resident ID number"))
    def id_number_masked(self, member):
        return mask_id_number(member.id_number) or "-"


class RigidExpenseInline(ScopedTabularInline):
    """刚性支出, itemised: the household figure subtracts them from the incomes."""

    model = RigidExpense
    extra = 0
    fields = ["kind", "annual_amount", "notes"]


class ReadOnlyInline(ReadOnlyInlineMixin, ScopedTabularInline):
    pass


class AnnualReviewInline(ReadOnlyInline):
    """The yearly reviews; a new one is recorded with the "record annual review" action."""

    model = AnnualReview
    fields = ["year", "reviewed_on", "reviewer", "outcome", "notes"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class FollowUpInline(ReadOnlyInline):
    """回访 after an exit; a new one is recorded with the "record a follow-up" action."""

    model = FollowUp
    fields = ["exited_on", "visited_on", "visited_by", "outcome", "notes"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("visited_by")


class ReferralInline(ReadOnlyInline):
    """Referrals to the city union; submitted with the action, decided on their page."""

    model = Referral
    fields = ["status", "submitted_by", "submitted_at", "decided_by", "certificate_number"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by", "decided_by")


class PublicNoticeInline(ReadOnlyInline):
    """公示 periods; recorded (and their objections) on the notice's own page."""

    model = PublicNotice
    fields = ["starts_on", "ends_on", "place", "objection_summary"]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_count=Count(
                    "objections", filter=Q(objections__outcome=ObjectionOutcome.OPEN)
                ),
                all_count=Count("objections"),
            )
        )

    @admin.display(description=_("objections"))
    def objection_summary(self, notice):
        return objection_text(notice.all_count, notice.open_count)


def objection_text(total: int, unresolved: int) -> str:
    if not total:
        return gettext("none")
    return gettext("%(total)d, unresolved %(open)d") % {"total": total, "open": unresolved}


class ConsentFormInline(ReadOnlyInline):
    """授权委托书 on file; the scanned copy opens through the download view (logged)."""

    model = ConsentForm
    fields = ["signed_on", "scan_link", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("scanned copy"))
    def scan_link(self, consent):
        return scan_link(consent)


def scan_link(consent) -> str:
    url = reverse("admin:cases_consentform_scan", args=[consent.pk])
    return format_html('<a href="{}">{}</a>', url, consent.scan_file_name)


# --- cases -------------------------------------------------------------------------------

STATUS_FIELDS = [
    "status",
    "verified_on",
    "verified_by",
    "certificate_number",
    "certificate_valid_from",
    "certificate_valid_until",
    "exited_on",
    "exit_reason",
    "follow_up_due_on",
    "last_reviewed_on",
]
HARDSHIP_TYPE_FIELDS = [
    "hardship_type_terms",
    "sudden_event",
    "sudden_event_on",
    "sudden_event_description",
    "sudden_costs",
    "lives_in_city",
    "employed_since",
    "exclusions",
]
TEMPORARY_EVENT_FIELDS = [
    "sudden_event",
    "sudden_event_on",
    "sudden_event_description",
    "sudden_costs",
]
REGISTER_FIELDS = [
    "unit",
    "category",
    "extra_categories",
    "causes",
    "household_size",
    "own_annual_income",
    "monthly_income_per_capita",
    "household_figure",
    "registered_on",
    "notes",
]


@admin.register(Case)
class CaseAdmin(
    CaseActionsMixin,
    TransferActionsMixin,
    CaseAccessLogMixin,
    RetentionActionMixin,
    IdSearchAdminMixin,
    RecordActionsMixin,
    SheetAdminMixin,
    ServiceManagedAdmin,
):
    sheet_kind = "cases"
    # Named, so that the sheet links wrap it (django-import-export keeps it as the base).
    change_list_template = "admin/change_list.html"
    # Few columns, each one a clerk scans for (issue 14 part 3): gender, household size
    # and income are on the case's page.
    list_display = [
        "name",
        "id_number_masked",
        "unit",
        "category",
        "hardship_type",
        "status",
        "registered_on",
        "last_reviewed_on",
    ]
    list_display_links = ["name"]
    list_select_related = ["unit"]
    list_filter = [
        "unit",
        TemporaryFileFilter,
        "category",
        "hardship_type",
        TypeReviewFilter,
        "causes",
        "status",
        ReviewedThisYearFilter,
        YearlyQueryFilter,
        HouseholdSizeFilter,
    ]
    date_hierarchy = "registered_on"
    # Exact-match ID search unless the user may see full numbers (get_search_fields).
    search_fields = ["name", "=id_number", "phone"]
    sensitive_fields = PERSONAL_FIELDS
    show_full_result_count = False
    # Facet counts would count every filter choice over the whole register.
    show_facets = admin.ShowFacets.NEVER
    inlines = [
        HouseholdMemberInline,
        RigidExpenseInline,
        PublicNoticeInline,
        ConsentFormInline,
        AnnualReviewInline,
        FollowUpInline,
        ReferralInline,
        CaseTransferInline,
    ]
    actions = [
        "convert_temporary",
        "verify_cases",
        "exit_cases",
        "reopen_cases",
        "submit_referrals",
        "record_reviews",
        "record_follow_ups",
        "type_changes_reviewed",
    ]
    # On the case's own page, only the actions its status allows.
    action_applies = {
        "convert_temporary": lambda case: case.status == CaseStatus.TEMPORARY,
        "verify_cases": lambda case: case.status == CaseStatus.PENDING,
        "exit_cases": lambda case: (
            case.status not in (CaseStatus.EXITED, CaseStatus.TEMPORARY, CaseStatus.LAPSED)
        ),
        "reopen_cases": lambda case: case.status == CaseStatus.EXITED,
        "submit_referrals": lambda case: case.status == CaseStatus.VERIFIED,
        "record_reviews": lambda case: (
            case.status not in (CaseStatus.EXITED, CaseStatus.TEMPORARY, CaseStatus.LAPSED)
        ),
        "record_follow_ups": lambda case: case.status == CaseStatus.EXITED,
    }

    # --- what the user sees --------------------------------------------------------------

    def get_queryset(self, request):
        # ``str(case)`` names the unit: autocomplete and messages need it without N+1.
        return super().get_queryset(request).select_related("unit")

    def date_hierarchy_years(self, request) -> list[int]:
        # Only the years with files in the user's scope, from stored counts (adminkit.dates).
        return years_registered(request.user)

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if sees_full_ids(request.user):
            display[display.index("id_number_masked")] = "id_number_full"
        return display

    def get_search_fields(self, request):
        if sees_full_ids(request.user):
            return ["name", "id_number", "phone"]
        return self.search_fields

    def get_search_results(self, request, queryset, search_term):
        # A one- or two-character name is matched by its start, through the prefix index
        # (cases migration 0006): no trigram fits in it. Never an ID number.
        found = cases_by_short_name(queryset, search_term)
        if found is not None:
            return found, False
        return super().get_search_results(request, queryset, search_term)

    def id_search_results(self, request, queryset, search_term):
        found = cases_by_id_number(queryset, search_term)
        if found is None:
            return super().id_search_results(request, queryset, search_term)
        return found, False

    def adds_temporary(self, request, obj=None) -> bool:
        """The add page of a temporary file (``?temporary=1``): identity, unit, cause and
        the event only."""
        return obj is None and request.GET.get("temporary") == "1"

    def get_fieldsets(self, request, obj=None):
        if self.adds_temporary(request, obj):
            return [
                (None, {"fields": ["name", "id_number", "phone", "address", "employer"]}),
                (_("temporary file"), {"fields": ["unit", "causes", *TEMPORARY_EVENT_FIELDS]}),
            ]
        full = sees_full_ids(request.user)
        person = ["name", "id_number" if obj is None or full else "id_number_masked"]
        if obj is not None:
            person += ["gender", "birth_date"] if full else ["gender"]
        person += ["phone", "address", "employer"]
        register = list(REGISTER_FIELDS)
        if self.shows_read_only(request, obj):
            register[register.index("extra_categories")] = "extra_category_names"
        fieldsets = [
            (None, {"fields": person}),
            (_("register entry"), {"fields": register}),
            (_("hardship type"), {"fields": HARDSHIP_TYPE_FIELDS}),
        ]
        if obj is not None:
            fieldsets.append((_("public notice and consent"), {"fields": ["notice_and_consent"]}))
            fieldsets.append((_("status"), {"fields": STATUS_FIELDS}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fields = form.base_fields
        temporary = self.adds_temporary(request, obj) or (
            obj is not None and obj.status in (CaseStatus.TEMPORARY, CaseStatus.LAPSED)
        )
        if "category" in fields:
            # Blank in the model for temporary files only (Case.clean).
            fields["category"].required = not temporary
        if self.adds_temporary(request, obj):
            for name in ["causes", *TEMPORARY_EVENT_FIELDS[:3]]:
                if name in fields:
                    fields[name].required = True

            class TemporaryCaseForm(form):  # type: ignore[valid-type,misc]
                def _post_clean(self):
                    # Validated as what it will be: a temporary file needs no category.
                    self.instance.status = CaseStatus.TEMPORARY
                    super()._post_clean()

            return TemporaryCaseForm
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.adds_temporary(request, obj):
            context["title"] = gettext("Add a temporary file")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request, obj=None):
        # Status and certificate move only through the services; gender and birth date
        # are derived from the ID number.
        readonly = [
            "id_number_masked",
            "gender",
            "birth_date",
            "household_figure",
            "hardship_type_terms",
            "notice_and_consent",
            *STATUS_FIELDS,
        ]
        if obj is not None and obj.income_itemised:
            # Computed from the items: typing a figure over them would contradict them.
            readonly.append("monthly_income_per_capita")
        if obj is not None and pending_transfer_of(obj) is not None:
            # The transfer names the unit it leaves: it moves on acceptance, not here.
            readonly.append("unit")
        if self.shows_read_only(request, obj):
            readonly += flatten_fieldsets(self.get_fieldsets(request, obj))
        return readonly

    def get_inlines(self, request, obj):
        # The add page has no record for the read-only lists to hang on.
        if obj is None:
            return [HouseholdMemberInline, RigidExpenseInline]
        return super().get_inlines(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("causes", "exclusions"):
            kwargs.setdefault("widget", CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        return {
            "unit": default_unit_id(request.user),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if not change and self.adds_temporary(request):
            services.temporary_case_create(
                case=obj, causes=form.cleaned_data["causes"], acting_user=request.user
            )
            return
        if not change:
            obj.save()
            return
        # Write only what the form edits: an approver may have verified or exited the
        # case since this copy was loaded, and the status must not be written back.
        fields = [name for name in form.fields if name not in ("causes", "exclusions")]
        obj.save(update_fields=[*fields, "gender", "birth_date", "updated_at"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The members' incomes and the expenses are saved by now: the figure follows them.
        services.case_evaluate(case=form.instance, acting_user=request.user)

    @admin.display(description=_("public notice and consent"))
    def notice_and_consent(self, case):
        if case.pk is None:
            return "-"
        rule = requirement_for(case.unit)
        parts = []
        if rule is None or not (rule.requires_notice or rule.requires_consent):
            parts.append(
                gettext("This unit requires neither a public notice nor the signed authorisation.")
            )
        else:
            needs = []
            if rule.requires_notice:
                needs.append(
                    gettext("a public notice of %(days)d days") % {"days": rule.notice_days}
                )
            if rule.requires_consent:
                needs.append(gettext("the signed authorisation"))
            parts.append(
                gettext("%(unit)s requires %(needs)s before verification.")
                % {"unit": rule.unit.name, "needs": gettext(" and ").join(needs)}
            )
        if case.status in (CaseStatus.PENDING, CaseStatus.TEMPORARY):
            blockers = verification_blockers(case, timezone.localdate())
            if blockers:
                parts.append(
                    gettext("Not yet verifiable: %(reasons)s.") % {"reasons": "；".join(blockers)}
                )
        links = []
        if case.status in (CaseStatus.PENDING, CaseStatus.TEMPORARY) and self.request_user_can(
            ADD_NOTICE
        ):
            links.append(
                format_html(
                    '<a href="{}?case={}" class="addlink">{}</a>',
                    reverse("admin:cases_publicnotice_add"),
                    case.pk,
                    gettext("Record a public notice"),
                )
            )
        if self.request_user_can(ADD_CONSENT):
            links.append(
                format_html(
                    '<a href="{}?case={}" class="addlink">{}</a>',
                    reverse("admin:cases_consentform_add"),
                    case.pk,
                    gettext("Upload the signed authorisation"),
                )
            )
        text = format_html("{}", " ".join(parts))
        if links:
            text = format_html(
                "{}<br>{}", text, format_html(" ".join(["{}"] * len(links)), *links)
            )
        return text

    def request_user_can(self, perm: str) -> bool:
        # A read-only field has no request: the links follow the current one's user.
        request = current_request()
        user = getattr(request, "user", None)
        return bool(user and user.has_perm(perm))

    @admin.display(description=_("household figure"))
    def household_figure(self, case):
        return figure_terms(case) if case.pk else "-"

    @admin.display(description=_("hardship type"))
    def hardship_type_terms(self, case):
        if case.pk is None:
            return "-"
        return type_terms(case, line_in_force(case.unit, timezone.localdate()))

    def get_historical_record_context_helper(self, request, historical_record):
        if sees_full_ids(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedHistoryHelper(self.model, historical_record, user=request.user)

    @admin.display(description=_("resident ID number"))
    def id_number_masked(self, case):
        return case.masked_id_number

    @admin.display(description=_("resident ID number"))
    def id_number_full(self, case):
        return case.id_number

    @admin.display(description=_("extra categories"))
    def extra_category_names(self, case):
        labels = dict(Category.choices)
        return "、".join(str(labels.get(code, code)) for code in case.extra_categories) or "-"


# --- file transfers (档案转接): cases.transfer_admin ------------------------------------------

admin.site.register(CaseTransfer, CaseTransferAdmin)


# --- referrals ---------------------------------------------------------------------------


@admin.register(Referral)
class ReferralAdmin(IdSearchAdminMixin, ReferralDecisionMixin, ReadOnlyMixin, ServiceManagedAdmin):
    """District staff follow their referrals here; the city union decides on the page
    (``cases.admin_views``). Referrals are created by the case action.
    """

    list_display = [
        "case_name",
        "case_unit",
        "status",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "certificate_number",
    ]
    list_display_links = ["case_name"]
    list_select_related = ["case__unit", "submitted_by", "decided_by"]
    list_filter = [ReferralStatusFilter, ("case__unit", ScopedRelatedFieldListFilter)]
    search_fields = ["case__name", "=case__id_number", "certificate_number"]
    sensitive_fields = PERSONAL_FIELDS
    fields = [
        "case",
        "case_unit",
        "reason",
        "status",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "certificate_number",
        "valid_from",
        "valid_until",
        "rejection_reason",
    ]
    readonly_fields = fields
    change_form_template = "admin/cases/referral/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("case__unit", "submitted_by", "decided_by")
        )

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, referral):
        return referral.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, referral):
        return referral.case.unit


# --- annual reviews ----------------------------------------------------------------------


@admin.register(AnnualReview)
class AnnualReviewAdmin(IdSearchAdminMixin, ReadOnlyMixin, ServiceManagedAdmin):
    """A read-only list; reviews are recorded with the case list's action."""

    list_display = ["case_name", "case_unit", "year", "reviewed_on", "outcome", "reviewer"]
    list_display_links = ["case_name"]
    list_select_related = ["case__unit", "reviewer"]
    list_filter = [
        RecentYearFilter,
        "outcome",
        ("case__unit", ScopedRelatedFieldListFilter),
    ]
    search_fields = ["case__name", "=case__id_number"]
    sensitive_fields = PERSONAL_FIELDS
    fields = ["case", "year", "reviewed_on", "outcome", "reviewer", "notes"]
    readonly_fields = fields

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, review):
        return review.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, review):
        return review.case.unit


# --- follow-up visits --------------------------------------------------------------------


@admin.register(FollowUp)
class FollowUpAdmin(IdSearchAdminMixin, ReadOnlyMixin, ServiceManagedAdmin):
    """A read-only list; visits are recorded with the case list's action."""

    list_display = ["case_name", "case_unit", "exited_on", "visited_on", "outcome", "visited_by"]
    list_display_links = ["case_name"]
    list_select_related = ["case__unit", "visited_by"]
    list_filter = ["outcome", ("case__unit", ScopedRelatedFieldListFilter)]
    search_fields = ["case__name", "=case__id_number"]
    sensitive_fields = PERSONAL_FIELDS
    fields = ["case", "exited_on", "visited_on", "outcome", "visited_by", "notes"]
    readonly_fields = fields

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, follow_up):
        return follow_up.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, follow_up):
        return follow_up.case.unit


# --- campaigns and activities ------------------------------------------------------------


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    """Seen by the organiser's scope and every unit below it; edited by the organiser's."""

    list_display = ["name", "organiser", "starts_on", "ends_on", "budget", "bulletin_link"]
    list_select_related = ["organiser"]
    list_filter = ["organiser"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    fields = ["name", "organiser", "starts_on", "ends_on", "budget", "notes", "bulletin_link"]
    readonly_fields = ["bulletin_link"]

    @admin.display(description=_("bulletin"))
    def bulletin_link(self, campaign):
        # The bulletin is a report page (reports.view_reports), reached from its campaign.
        if campaign.pk is None:
            return "-"
        url = reverse("admin:reports_bulletin", args=[campaign.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Bulletin"))

    def _editable(self, request, obj) -> bool:
        return Campaign.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    list_display = [
        "title",
        "campaign",
        "kind",
        "held_on",
        "unit",
        "route_label",
        "leaders",
        "households_reached",
    ]
    list_select_related = ["campaign", "unit"]
    # Explicit: the Count annotation makes a GROUP BY query, which ignores Meta.ordering.
    ordering = ["-held_on", "route_label", "-pk"]
    list_filter = ["campaign", "kind", "unit"]
    date_hierarchy = "held_on"
    search_fields = ["title", "leaders", "places"]
    sensitive_fields = PERSONAL_FIELDS
    autocomplete_fields = ["cases"]
    fields = [
        "campaign",
        "kind",
        "title",
        "held_on",
        "unit",
        "route_label",
        "leaders",
        "places",
        "cases",
        "notes",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(household_count=Count("cases"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "cases":
            # Scoped choices (and POST validation); their labels name the unit.
            kwargs["queryset"] = scoped_queryset(Case, request.user).select_related("unit")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("households reached"), ordering="household_count")
    def households_reached(self, activity):
        return activity.household_count


# --- the filing rules (FILING.md) --------------------------------------------------------


@admin.register(SubsistenceLine)
class SubsistenceLineAdmin(ScopedAdmin):
    """低保 lines: a district's head or a city administrator records each new standard
    from its effective date; the past ones stay (history), so any date has its line."""

    list_display = ["unit", "monthly_amount", "effective_on", "notes"]
    list_select_related = ["unit"]
    list_filter = [("unit", ScopedRelatedFieldListFilter)]
    ordering = ["unit__tree_path", "-effective_on"]
    fields = ["unit", "monthly_amount", "effective_on", "notes"]
    revertible = False

    def get_changeform_initial_data(self, request):
        return {
            "unit": default_unit_id(request.user),
            **super().get_changeform_initial_data(request),
        }

    def has_delete_permission(self, request, obj=None):
        # A line once in force explains past evaluations: it is corrected, never removed.
        return False

    def save_model(self, request, obj, form, change):
        services.subsistence_line_save(line=obj, acting_user=request.user)


@admin.register(ExclusionCondition)
class ExclusionConditionAdmin(ScopedAdmin):
    """排除性条件: the city-wide defaults, and a unit's own list, which replaces them for
    that unit and the units below it."""

    list_display = ["text", "unit", "sort_order", "is_active"]
    list_select_related = ["unit"]
    ordering = ["unit__tree_path", "sort_order", "pk"]
    fields = ["unit", "text", "sort_order", "is_active"]
    revertible = False

    def has_delete_permission(self, request, obj=None):
        # Ticked on files: switched off (inactive), never removed.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        user = request.user
        if "unit" in form.base_fields and not (
            user.is_superuser or Role.ADMINISTRATOR in user.roles
        ):
            # Only the city union edits the defaults (no unit); a head names their unit.
            form.base_fields["unit"].required = True
        return form

    def save_model(self, request, obj, form, change):
        services.exclusion_condition_save(condition=obj, acting_user=request.user)


@admin.register(Reevaluation)
class ReevaluationAdmin(ReadOnlyMixin, ScopedAdmin):
    """What each re-evaluation found; the files are in the case list's filter
    "困难类型变化"."""

    list_display = [
        "unit",
        "line",
        "evaluated_on",
        "run_at",
        "run_by",
        "changed",
        "no_longer_qualify",
        "seconds",
    ]
    list_select_related = ["unit", "line__unit", "run_by"]
    fields = list_display
    readonly_fields = list_display


# --- public notice and consent (FILING.md) ----------------------------------------------


@admin.register(FilingRequirement)
class FilingRequirementAdmin(ScopedAdmin):
    """Whether a unit requires 公示 and the 授权委托书: a district's head or a city
    administrator sets it; the units below inherit the nearest rule above them."""

    list_display = ["unit", "requires_notice", "notice_days", "requires_consent", "notes"]
    list_select_related = ["unit"]
    ordering = ["unit__tree_path"]
    fields = ["unit", "requires_notice", "notice_days", "requires_consent", "notes"]
    revertible = False

    def _editable(self, request, obj) -> bool:
        return FilingRequirement.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._editable(request, obj))

    def has_delete_permission(self, request, obj=None):
        # A rule explains past verifications: changed, never removed (history kept).
        return False

    def get_changeform_initial_data(self, request):
        return {
            "unit": default_unit_id(request.user),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request, obj, form, change):
        services.filing_requirement_save(requirement=obj, acting_user=request.user)


class NoticeObjectionInline(ScopedTabularInline):
    """Objections to the notice; an approver records the outcome (final once decided)."""

    model = NoticeObjection
    form = ObjectionForm
    extra = 0
    can_delete = False
    fields = [
        "received_on",
        "raised_by",
        "content",
        "outcome",
        "decision",
        "decided_on",
        "decided_by",
    ]
    readonly_fields = ["decided_by"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The form checks who decides: it needs the user.
        formset.form = type("ObjectionFormFor", (formset.form,), {"user": request.user})
        return formset


@admin.register(PublicNotice)
class PublicNoticeAdmin(IdSearchAdminMixin, ServiceAddMixin, ServiceManagedAdmin):
    """公示 periods of files and their objections. An unresolved objection blocks the
    file's verification (cases.selectors.verification_blockers)."""

    form = PublicNoticeForm
    list_display = ["case_name", "case_unit", "starts_on", "ends_on", "place", "objection_summary"]
    list_display_links = ["case_name"]
    list_select_related = ["case__unit"]
    list_filter = [("case__unit", ScopedRelatedFieldListFilter)]
    search_fields = ["case__name", "=case__id_number", "place"]
    sensitive_fields = PERSONAL_FIELDS
    autocomplete_fields = ["case"]
    fields = ["case", "starts_on", "ends_on", "place", "notes"]
    inlines = [NoticeObjectionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("case__unit")
            .annotate(
                open_count=Count(
                    "objections", filter=Q(objections__outcome=ObjectionOutcome.OPEN)
                ),
                all_count=Count("objections"),
            )
        )

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # The file a notice is about does not change; the rest is corrected on the page.
        return ["case"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def post_through_service(self, request, form):
        return services.public_notice_save(
            notice=form.save(commit=False), acting_user=request.user
        )

    def save_model(self, request, obj, form, change):
        services.public_notice_save(notice=obj, acting_user=request.user)

    def save_formset(self, request, form, formset, change):
        for objection in formset.save(commit=False):
            services.objection_save(objection=objection, acting_user=request.user)

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, notice):
        return notice.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, notice):
        return notice.case.unit

    @admin.display(description=_("objections"))
    def objection_summary(self, notice):
        return objection_text(notice.all_count, notice.open_count)


@admin.register(ConsentForm)
class ConsentFormAdmin(
    ScanDownloadMixin, IdSearchAdminMixin, ServiceAddMixin, ServiceManagedAdmin
):
    """授权委托书: uploaded once with the date signed; a newer one is another record."""

    form = ConsentFormForm
    list_display = [
        "case_name",
        "case_unit",
        "signed_on",
        "scan_column",
        "uploaded_by",
        "uploaded_at",
    ]
    list_display_links = ["case_name"]
    list_select_related = ["case__unit", "uploaded_by"]
    list_filter = [("case__unit", ScopedRelatedFieldListFilter)]
    search_fields = ["case__name", "=case__id_number"]
    sensitive_fields = PERSONAL_FIELDS
    autocomplete_fields = ["case"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["case", "signed_on", "scan"]
        return ["case", "signed_on", "scan_column", "scan_size", "uploaded_by", "uploaded_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["case", "signed_on", "scan_column", "scan_size", "uploaded_by", "uploaded_at"]

    def has_change_permission(self, request, obj=None):
        # The copy on file is evidence: a newer signature is a new record.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def post_through_service(self, request, form):
        return services.consent_record(**form.service_kwargs(), acting_user=request.user)

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, consent):
        return consent.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, consent):
        return consent.case.unit

    @admin.display(description=_("scanned copy"))
    def scan_column(self, consent):
        return scan_link(consent)
