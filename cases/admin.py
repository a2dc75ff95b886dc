"""Admin of the hardship register (困难职工档案), the district clerks' daily tool.

Every admin here extends :class:`unions.admin_scope.ScopedAdmin`, so each door (lists,
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
  full ``COUNT(*)`` (:class:`CappedCountPaginator`), no date-hierarchy scans
  (:func:`register_date_hierarchy`), a whole ID number found through the indexes.
"""

from __future__ import annotations

import calendar
import copy
import datetime
from functools import cached_property

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Max, Min
from django.forms import CheckboxSelectMultiple
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from cases import services
from cases.filters import (
    HouseholdSizeFilter,
    RecentYearFilter,
    ReferralStatusFilter,
    ReviewedThisYearFilter,
)
from cases.forms import (
    ExitForm,
    ReferralDecisionForm,
    ReferralSubmitForm,
    ReviewForm,
    add_service_errors,
)
from cases.idnumbers import IdNumberError, mask_id_number, validate_id_number
from cases.models import (
    Activity,
    AnnualReview,
    Campaign,
    Case,
    Category,
    HouseholdMember,
    Referral,
    ReferralStatus,
)
from cases.permissions import VIEW_FULL_ID_NUMBER as FULL_ID_PERMISSION
from sheets.admin import SheetAdminMixin
from unions.admin_scope import (
    ScopedAdmin,
    ScopedRelatedFieldListFilter,
    ScopedTabularInline,
    scoped_queryset,
)
from unions.models import Membership

# Personal fields no query string may filter on: the birth date is exactly the starred
# part of a masked ID number.
PERSONAL_FIELDS = ("id_number", "birth_date")
BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


def sees_full_ids(user) -> bool:
    return user.has_perm(FULL_ID_PERMISSION)


def error_text(error: ValidationError | PermissionDenied) -> str:
    """The words of a service's refusal, for a message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext("You are not allowed to do this.")


# --- the paginator ---------------------------------------------------------------------


class CappedCountPaginator(Paginator):
    """Counts a changelist page without a full ``COUNT(*)``.

    Django's changelist asks ``paginator.count`` on every page; on PostgreSQL a count over
    a million cases costs more than the rest of the page together, for a number nobody
    reads exactly. So:

    - an unfiltered list (no WHERE clause at all: a superuser's list) on PostgreSQL takes
      the planner's estimate from ``pg_class.reltuples`` (kept fresh by autovacuum's
      ANALYZE) when it is above ``limit``; the page says "about 1,000,000";
    - every other list (scope is a filter too) counts at most ``limit + 1`` rows,
      ``SELECT COUNT(*) FROM (SELECT … LIMIT 10001)``: exact up to ``limit``, shown as
      "10,000+" above it, where a clerk narrows the list rather than pages through it.

    Paging stays correct: pages are sliced without trimming to an approximate count, so a
    page past an under-estimate still shows its rows; only page numbers beyond the cap
    are not linked.
    """

    limit = 10_000

    is_capped = False
    is_estimate = False

    @cached_property
    def count(self) -> int:
        estimate = self._planner_estimate()
        if estimate is not None and estimate > self.limit:
            self.is_estimate = True
            return estimate
        # Ordering does not change a count, and without it the database can stop early.
        counted = self.object_list.order_by()[: self.limit + 1].count()
        if counted > self.limit:
            self.is_capped = True
        return counted

    def _planner_estimate(self) -> int | None:
        queryset = self.object_list
        connection = connections[queryset.db]
        query = queryset.query
        if (
            connection.vendor != "postgresql"
            or query.where
            or query.distinct
            or query.combinator
            or query.is_sliced
        ):
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        # -1 (never analysed) or 0 (empty or stale): count for real.
        return int(row[0]) if row and row[0] > 0 else None

    def page(self, number):
        if not (self.is_capped or self.is_estimate):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    @property
    def count_label(self) -> str:
        """The count as the page shows it: "200", "10,000+" or "about 1,000,000"."""
        count = self.count
        if self.is_capped:
            return f"{self.limit:,}+"
        if self.is_estimate:
            return gettext("about %(count)s") % {"count": f"{count:,}"}
        return str(count)


# --- the date drill-down -------------------------------------------------------------


def register_date_hierarchy(cl) -> dict:
    """The context of ``admin/date_hierarchy.html`` without Django's scans of the list.

    Django's tag finds the years, months and days that hold rows with ``MIN``/``MAX`` and
    ``SELECT DISTINCT date_trunc(…)`` over the whole filtered list: two full scans of a
    million cases (about 4 s on PostgreSQL). Here the years run from the register's
    first to its last registration (``MIN``/``MAX`` over the whole register, two index
    look-ups; the only thing it tells a user is the span of years), and a year offers its
    twelve months and a month its days, without asking the database which hold rows.
    """
    field = cl.date_hierarchy
    names = {part: f"{field}__{part}" for part in ("year", "month", "day")}
    year, month, day = (cl.params.get(names[part]) for part in ("year", "month", "day"))
    verbose_name = cl.model._meta.get_field(field).verbose_name

    def link(filters):
        return cl.get_query_string(filters, [f"{field}__"])

    def choice(filters, when, date_format):
        return {"link": link(filters), "title": capfirst(formats.date_format(when, date_format))}

    context = {"show": True, "field_name": verbose_name, "back": None, "choices": []}
    if year and month and day:
        when = datetime.date(int(year), int(month), int(day))
        context["back"] = choice(
            {names["year"]: year, names["month"]: month}, when, "YEAR_MONTH_FORMAT"
        )
        context["choices"] = [{"title": capfirst(formats.date_format(when, "MONTH_DAY_FORMAT"))}]
    elif year and month:
        first = datetime.date(int(year), int(month), 1)
        context["back"] = {"link": link({names["year"]: year}), "title": str(year)}
        context["choices"] = [
            choice(
                {names["year"]: year, names["month"]: month, names["day"]: number},
                first.replace(day=number),
                "MONTH_DAY_FORMAT",
            )
            for number in range(1, calendar.monthrange(first.year, first.month)[1] + 1)
        ]
    elif year:
        context["back"] = {"link": link({}), "title": gettext("All dates")}
        context["choices"] = [
            choice(
                {names["year"]: year, names["month"]: number},
                datetime.date(int(year), number, 1),
                "YEAR_MONTH_FORMAT",
            )
            for number in range(1, 13)
        ]
    else:
        span = cl.model._default_manager.aggregate(first=Min(field), last=Max(field))
        if span["first"] is not None:
            context["choices"] = [
                {"link": link({names["year"]: str(number)}), "title": str(number)}
                for number in range(span["first"].year, span["last"].year + 1)
            ]
    return context


# --- history pages -----------------------------------------------------------------------


class MaskedHistoryHelper(HistoricalRecordContextHelper):
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

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if request.method == "POST" and obj is not None:
            raise PermissionDenied
        # An out-of-scope or missing id is answered by ScopedAdmin as a missing record.
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
    fields = ["relation", "name", "id_number", "school", "notes"]

    def get_fields(self, request, obj=None):
        if sees_full_ids(request.user):
            return self.fields
        return ["id_number_masked" if name == "id_number" else name for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if sees_full_ids(request.user) else ["id_number_masked"]

    @admin.display(description=_("resident ID number"))
    def id_number_masked(self, member):
        return mask_id_number(member.id_number) or "-"


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AnnualReviewInline(ReadOnlyInline):
    """The yearly reviews; a new one is recorded with the "record annual review" action."""

    model = AnnualReview
    fields = ["year", "reviewed_on", "reviewer", "outcome", "notes"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class ReferralInline(ReadOnlyInline):
    """Referrals to the city union; submitted with the action, decided on their page."""

    model = Referral
    fields = ["status", "submitted_by", "submitted_at", "decided_by", "certificate_number"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by", "decided_by")


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
    "last_reviewed_on",
]
REGISTER_FIELDS = [
    "unit",
    "category",
    "extra_categories",
    "causes",
    "household_size",
    "monthly_income_per_capita",
    "registered_on",
    "notes",
]
ACTION_PREVIEW = 10


@admin.register(Case)
class CaseAdmin(SheetAdminMixin, ServiceManagedAdmin):
    sheet_kind = "cases"
    # Named, so that the sheet links wrap it (django-import-export keeps it as the base).
    change_list_template = "admin/cases/case/change_list.html"
    list_display = [
        "name",
        "id_number_masked",
        "gender",
        "unit",
        "category",
        "status",
        "household_size",
        "monthly_income_per_capita",
        "registered_on",
        "last_reviewed_on",
    ]
    list_display_links = ["name"]
    list_select_related = ["unit"]
    list_filter = [
        "unit",
        "category",
        "causes",
        "status",
        ReviewedThisYearFilter,
        HouseholdSizeFilter,
    ]
    date_hierarchy = "registered_on"
    # Exact-match ID search unless the user may see full numbers (get_search_fields).
    search_fields = ["name", "=id_number", "phone"]
    sensitive_fields = PERSONAL_FIELDS
    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facet counts would count every filter choice over the whole register.
    show_facets = admin.ShowFacets.NEVER
    inlines = [HouseholdMemberInline, AnnualReviewInline, ReferralInline]
    actions = [
        "verify_cases",
        "exit_cases",
        "reopen_cases",
        "submit_referrals",
        "record_reviews",
    ]

    # --- what the user sees --------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # Rendered by admin/cases/case/change_list.html instead of Django's tag.
            context["registered_hierarchy"] = register_date_hierarchy(context["cl"])
        return response

    def get_queryset(self, request):
        # ``str(case)`` names the unit: autocomplete and messages need it without N+1.
        return super().get_queryset(request).select_related("unit")

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
        # A whole ID number (any spelling: lower-case x, full-width digits, the old
        # 15 digits) finds its case, or the case whose household has that person, through
        # the indexes instead of a text scan.
        try:
            id_number = validate_id_number(search_term.strip()) if search_term.strip() else None
        except IdNumberError:
            id_number = None
        if id_number is None:
            return super().get_search_results(request, queryset, search_term)
        # One list of case ids (a UNION), not an OR across two tables: an OR would make
        # the database read every case in scope instead of two index lookups.
        own = Case.objects.filter(id_number=id_number).values("pk")
        household = HouseholdMember.objects.filter(id_number=id_number).values("case_id")
        return queryset.filter(pk__in=own.union(household)), False

    def get_fieldsets(self, request, obj=None):
        full = sees_full_ids(request.user)
        person = ["name", "id_number" if obj is None or full else "id_number_masked"]
        if obj is not None:
            person += ["gender", "birth_date"] if full else ["gender"]
        person += ["phone", "address", "employer"]
        register = list(REGISTER_FIELDS)
        if self.shows_read_only(request, obj):
            register[register.index("extra_categories")] = "extra_category_names"
        fieldsets = [(None, {"fields": person}), (_("register entry"), {"fields": register})]
        if obj is not None:
            fieldsets.append((_("status"), {"fields": STATUS_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # Status and certificate move only through the services; gender and birth date
        # are derived from the ID number.
        readonly = ["id_number_masked", "gender", "birth_date", *STATUS_FIELDS]
        if self.shows_read_only(request, obj):
            readonly += flatten_fieldsets(self.get_fieldsets(request, obj))
        return readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [HouseholdMemberInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "causes":
            kwargs.setdefault("widget", CheckboxSelectMultiple)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "unit" not in initial:
            units = set(
                Membership.objects.filter(user=request.user).values_list("unit", flat=True)
            )
            if len(units) == 1:
                initial["unit"] = units.pop()
        return initial

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if not change:
            obj.save()
            return
        # Write only what the form edits: an approver may have verified or exited the
        # case since this copy was loaded, and the status must not be written back.
        fields = [name for name in form.fields if name != "causes"]
        obj.save(update_fields=[*fields, "gender", "birth_date", "updated_at"])

    def get_historical_record_context_helper(self, request, historical_record):
        if sees_full_ids(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedHistoryHelper(self.model, historical_record)

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

    # --- who may run which action ----------------------------------------------------------

    def has_verify_permission(self, request, obj=None):
        return request.user.has_perm("cases.verify_case")

    def has_submit_referral_permission(self, request, obj=None):
        return request.user.has_perm("cases.submit_referral")

    def has_record_review_permission(self, request, obj=None):
        return request.user.has_perm("cases.add_annualreview")

    # --- actions -------------------------------------------------------------------------
    # ``queryset`` is the scoped changelist narrowed to the ticked rows: a forged id of
    # another unit is simply not in it.

    @admin.action(
        description=_("Verify the selected cases (put them on file)"),
        permissions=["verify"],
        location=BOTH_LOCATIONS,
    )
    def verify_cases(self, request, queryset):
        self._run_service(
            request,
            queryset,
            lambda case: services.case_verify(case=case, acting_user=request.user),
            gettext("Cases verified: %(count)d."),
        )

    @admin.action(
        description=_("Exit the selected cases from hardship"),
        permissions=["verify"],
        location=BOTH_LOCATIONS,
    )
    def exit_cases(self, request, queryset):
        def run(data):
            self._run_service(
                request,
                queryset,
                lambda case: services.case_exit(
                    case=case,
                    exited_on=data["exited_on"],
                    reason=data["reason"],
                    acting_user=request.user,
                ),
                gettext("Cases exited hardship: %(count)d."),
            )

        return self._form_action(
            request,
            queryset,
            ExitForm,
            run,
            title=gettext("Exit cases from hardship"),
            intro=gettext("These cases will leave the register's active list (已脱困)."),
            submit_label=gettext("Exit these cases"),
        )

    @admin.action(
        description=_("Reopen the selected exited cases"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def reopen_cases(self, request, queryset):
        self._run_service(
            request,
            queryset,
            lambda case: services.case_reopen(case=case, acting_user=request.user),
            gettext("Cases reopened (pending verification again): %(count)d."),
        )

    @admin.action(
        description=_("Refer the selected cases to the city union"),
        permissions=["submit_referral"],
        location=BOTH_LOCATIONS,
    )
    def submit_referrals(self, request, queryset):
        def run(data):
            self._run_service(
                request,
                queryset,
                lambda case: services.referral_submit(
                    case=case, reason=data["reason"], acting_user=request.user
                ),
                gettext("Cases referred to the city union: %(count)d."),
            )

        return self._form_action(
            request,
            queryset,
            ReferralSubmitForm,
            run,
            title=gettext("Refer cases to the city union"),
            intro=gettext("The city union decides on long-term aid and the aid certificate."),
            submit_label=gettext("Submit the referral"),
        )

    @admin.action(
        description=_("Record the annual review of the selected cases"),
        permissions=["record_review"],
        location=BOTH_LOCATIONS,
    )
    def record_reviews(self, request, queryset):
        def run(data):
            self._run_service(
                request,
                queryset,
                lambda case: services.review_record(
                    case=case,
                    reviewed_on=data["reviewed_on"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    acting_user=request.user,
                ),
                gettext("Annual reviews recorded: %(count)d."),
            )

        return self._form_action(
            request,
            queryset,
            ReviewForm,
            run,
            title=gettext("Record the annual review"),
            intro=gettext("One review per case and year (年度复核)."),
            submit_label=gettext("Record the review"),
        )

    def _run_service(self, request, queryset, call, done_message: str) -> None:
        """Call the service for each case; a refusal is a message, the rest go through."""
        done = 0
        for case in queryset:
            try:
                call(case)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    gettext("%(case)s: %(message)s")
                    % {"case": case, "message": error_text(error)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    def _form_action(self, request, queryset, form_class, run, *, title, intro, submit_label):
        """An action with an intermediate page: show the form, then run on "apply"."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                run(form.cleaned_data)
                return None  # Django redirects back to the list (or the case)
        else:
            form = form_class()
        # The action's own POST keys go round again, so the second POST selects the same
        # cases through the same scoped queryset (select-across included).
        action_keys = {"index", helpers.ACTION_CHECKBOX_NAME}
        for prefix in ("", f"{admin.ActionLocation.CHANGE_FORM.value}-"):
            action_keys |= {f"{prefix}action", f"{prefix}select_across"}
        passed_on = [
            (key, value)
            for key in request.POST
            if key in action_keys
            for value in request.POST.getlist(key)
        ]
        admin_form = helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {})
        total = queryset.count()
        preview = list(queryset[:ACTION_PREVIEW])
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit_label": submit_label,
            "opts": self.opts,
            "adminform": admin_form,
            "errors": helpers.AdminErrorList(form, []),
            "media": self.media + admin_form.media,
            "cases": preview,
            "total": total,
            "more": total - len(preview),
            "passed_on": passed_on,
            "back_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/cases/case/action_form.html", context)


# --- referrals ---------------------------------------------------------------------------


@admin.register(Referral)
class ReferralAdmin(ServiceManagedAdmin):
    """District staff follow their referrals here; the city union decides on the page."""

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

    # Referrals are created by the case action and decided through the decision form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, referral):
        return referral.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, referral):
        return referral.case.unit

    def may_decide(self, request, referral) -> bool:
        return (
            request.user.has_perm("cases.decide_referral")
            and referral.status == ReferralStatus.SUBMITTED
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        referral = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if referral is not None and self.may_decide(request, referral):
            if request.method == "POST" and "_decide" in request.POST:
                form = ReferralDecisionForm(request.POST)
                response = self._decide(request, referral, form)
                if response is not None:
                    return response
                # Invalid input: show the (read-only) page again with the form's errors.
                request = copy.copy(request)
                request.method = "GET"
            else:
                form = ReferralDecisionForm()
            extra_context["decision_form"] = helpers.AdminForm(
                form, [(_("decision"), {"fields": list(form.fields)})], {}
            )
            extra_context["decision_errors"] = helpers.AdminErrorList(form, [])
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, referral, form):
        if not form.is_valid():
            return None
        data = form.cleaned_data
        try:
            if data["decision"] == ReferralDecisionForm.APPROVE:
                services.referral_approve(
                    referral=referral,
                    certificate_number=data["certificate_number"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    acting_user=request.user,
                )
                message = gettext("Referral approved: aid certificate %(number)s issued.") % {
                    "number": data["certificate_number"].strip()
                }
            else:
                services.referral_reject(
                    referral=referral, reason=data["rejection_reason"], acting_user=request.user
                )
                message = gettext("Referral rejected.")
        except ValidationError as error:
            add_service_errors(form, error)
            return None
        except PermissionDenied as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.log_change(request, referral, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cases_referral_changelist"))


# --- annual reviews ----------------------------------------------------------------------


@admin.register(AnnualReview)
class AnnualReviewAdmin(ServiceManagedAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("hardship case"), ordering="case__name")
    def case_name(self, review):
        return review.case.name

    @admin.display(description=_("union unit"))
    def case_unit(self, review):
        return review.case.unit


# --- campaigns and activities ------------------------------------------------------------


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    """Seen by the organiser's scope and every unit below it; edited by the organiser's."""

    list_display = ["name", "organiser", "starts_on", "ends_on", "budget"]
    list_select_related = ["organiser"]
    list_filter = ["organiser"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    fields = ["name", "organiser", "starts_on", "ends_on", "budget", "notes"]

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
