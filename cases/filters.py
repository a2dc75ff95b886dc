"""List filters of the register's admin pages (the changelist sidebar).

They only narrow a queryset the admin has already scoped, so none of them needs to know
about units; choices that name records come from ``ScopedRelatedFieldListFilter``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseStatus, HardshipType, ReferralStatus
from cases.permissions import DECIDE_REFERRAL


class ReviewedThisYearFilter(admin.SimpleListFilter):
    """年度复核: cases with a review recorded for this year, or without one (exited cases
    need none)."""

    title = _("annual review this year")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("reviewed this year")),
            ("no", _("not reviewed this year")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(last_reviewed_on__gte=datetime.date(today.year, 1, 1))
        if self.value() == "no":
            # The same rule as the city audit's "not reviewed this year" finding.
            return queryset.not_reviewed_this_year(today)
        return queryset


class RecentYearFilter(admin.SimpleListFilter):
    """The review year among the last few, without a DISTINCT over every review."""

    title = _("year")
    parameter_name = "year"
    YEARS = 5

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        return [(str(year), str(year)) for year in range(this_year, this_year - self.YEARS, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(year=int(value))
        return queryset


class HouseholdSizeFilter(admin.SimpleListFilter):
    title = _("household size")
    parameter_name = "household"
    LARGE = 5  # households of this size and more are one bucket

    def lookups(self, request, model_admin):
        sizes = [
            (str(size), _("%(size)d-person household") % {"size": size}) for size in (1, 2, 3, 4)
        ]
        return [*sizes, (f"{self.LARGE}+", _("households of 5 or more"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == f"{self.LARGE}+":
            return queryset.filter(household_size__gte=self.LARGE)
        if value in {"1", "2", "3", "4"}:
            return queryset.filter(household_size=int(value))
        return queryset


class ReferralStatusFilter(admin.SimpleListFilter):
    """Referral status; city deciders land on their queue (awaiting decision) by default."""

    title = _("referral status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReferralStatus.choices, (self.ALL, _("all"))]

    def __init__(self, request, params, model, model_admin):
        self.default = (
            ReferralStatus.SUBMITTED if request.user.has_perm(DECIDE_REFERRAL) else self.ALL
        )
        super().__init__(request, params, model, model_admin)

    def value(self):
        value = super().value()
        return self.default if value is None else value

    def queryset(self, request, queryset):
        if self.value() in ReferralStatus.values:
            return queryset.filter(status=self.value())
        return queryset

    def choices(self, changelist):
        # No separate "All" entry: "all" is one of the lookups, and the default is marked.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class TypeReviewFilter(admin.SimpleListFilter):
    """Files a re-evaluation (a new 低保 line) changed: to review, and those among them that
    no longer qualify. Reads the partial index on the flag."""

    title = _("hardship type change")
    parameter_name = "type_review"

    def lookups(self, request, model_admin):
        return [
            ("changed", _("type changed, to review")),
            ("lost", _("no longer qualifies, to review")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "changed":
            return queryset.filter(type_review_pending=True)
        if self.value() == "lost":
            return queryset.filter(type_review_pending=True, hardship_type=HardshipType.NONE)
        return queryset


class YearlyQueryFilter(admin.SimpleListFilter):
    """The queries a unit asks every year (FILING.md "Leaving and coming back"), each the
    queryset method of ``CaseQuerySet`` the dashboard counts with; 从未帮扶 (never aided)
    is funds' (``funds.filters.NeverAidedFilter``), as cases knows no disbursements."""

    title = _("yearly queries")
    parameter_name = "yearly"
    NOT_UPDATED = "not_updated"
    REVIEW_DUE = "review_due"
    FOLLOW_UP_DUE = "follow_up_due"

    def lookups(self, request, model_admin):
        return [
            (self.NOT_UPDATED, _("not updated in a year")),
            (self.REVIEW_DUE, _("due for annual review")),
            (self.FOLLOW_UP_DUE, _("follow-up visit due")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == self.NOT_UPDATED:
            return queryset.not_updated_in_a_year(today)
        if self.value() == self.REVIEW_DUE:
            return queryset.due_for_review(today)
        if self.value() == self.FOLLOW_UP_DUE:
            return queryset.follow_up_due(today)
        return queryset


class TransferSideFilter(admin.SimpleListFilter):
    """档案转接: the transfers addressed to the user's units (to decide) or started by
    them. Each reads its index (receiving or sending unit, then state)."""

    title = _("direction")
    parameter_name = "side"

    def lookups(self, request, model_admin):
        return [
            ("in", _("to my units")),
            ("out", _("from my units")),
        ]

    def queryset(self, request, queryset):
        from unions.querysets import unit_keys_for

        keys = unit_keys_for(request.user)
        if self.value() not in ("in", "out") or keys is None:
            return queryset
        if self.value() == "in":
            return queryset.addressed_to(request.user)
        return queryset.filter(from_unit__in=keys)


class TemporaryFileFilter(admin.SimpleListFilter):
    """临时档案: the temporary files, those about to lapse, those lapsed, or full files
    only (each one indexed filter: the partial index of temporary files, or status)."""

    title = _("temporary files")
    parameter_name = "temporary"
    LAPSING = "lapsing"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("temporary files")),
            (
                self.LAPSING,
                _("lapsing within %(days)d days") % {"days": settings.RELIEF_TEMPORARY_WARN_DAYS},
            ),
            ("lapsed", _("lapsed temporary files")),
            ("no", _("full files only")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(status=CaseStatus.TEMPORARY)
        if value == self.LAPSING:
            return queryset.temporary_lapsing_by(lapsing_horizon())
        if value == "lapsed":
            return queryset.filter(status=CaseStatus.LAPSED)
        if value == "no":
            return queryset.exclude(status__in=[CaseStatus.TEMPORARY, CaseStatus.LAPSED])
        return queryset


def lapsing_horizon():
    """The last day the dashboard's "about to lapse" looks to."""
    from datetime import timedelta

    return timezone.localdate() + timedelta(days=settings.RELIEF_TEMPORARY_WARN_DAYS)
