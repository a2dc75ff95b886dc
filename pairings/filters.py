"""List filters of the pairing admin pages (the changelist sidebar).

They narrow a queryset the admin has already scoped; choices that name records come
from the user's scope (``adminkit.scope.ScopedRelatedFieldListFilter``).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from adminkit.scope import ScopedRelatedFieldListFilter, scoped_queryset
from funds.models import Fund
from pairings.models import Agreement, AgreementStatus

EXPIRING_DAYS = 30


class ExpiringFilter(admin.SimpleListFilter):
    title = _("expiring")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [(str(EXPIRING_DAYS), _("in the next 30 days"))]

    def queryset(self, request, queryset):
        if self.value() == str(EXPIRING_DAYS):
            return queryset.expiring_within(EXPIRING_DAYS)
        return queryset


class BehindFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "behind"

    def lookups(self, request, model_admin):
        return [("yes", _("behind on payment"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            behind = queryset.behind(timezone.localdate())
            return queryset.filter(pk__in=[agreement.pk for agreement in behind])
        return queryset


class EffectiveStatusFilter(admin.SimpleListFilter):
    """Status as users mean it: an agreement in effect past its end date has expired."""

    title = _("agreement status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return AgreementStatus.choices

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case AgreementStatus.ACTIVE:
                return queryset.filter(status=AgreementStatus.ACTIVE, end__gte=today)
            case AgreementStatus.EXPIRED:
                return queryset.filter(
                    Q(status=AgreementStatus.EXPIRED)
                    | Q(status=AgreementStatus.ACTIVE, end__lt=today)
                )
            case AgreementStatus.DRAFT | AgreementStatus.TERMINATED as status:
                return queryset.filter(status=status)
        return queryset


class ScopedAgreementListFilter(ScopedRelatedFieldListFilter):
    """The agreements a user may see, named with their sponsor in one query."""

    def field_choices(self, field, request, model_admin):
        queryset = scoped_queryset(Agreement, request.user).select_related("sponsor")
        return [(obj.pk, str(obj)) for obj in queryset.order_by("number")]


class ScopedFundListFilter(ScopedRelatedFieldListFilter):
    """Funds the user may see, named with their unit in one query."""

    def field_choices(self, field, request, model_admin):
        queryset = scoped_queryset(Fund, request.user).select_related("unit")
        return [(obj.pk, str(obj)) for obj in queryset]
