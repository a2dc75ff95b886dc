"""The report filters: one FilterSet shared by the report page, its xlsx and the CLI."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Category
from funds.models import Disbursement, DisbursementKind, Fund
from unions.models import UnionUnit


def _user(request):
    return getattr(request, "user", None)


def units_for(request):
    return UnionUnit.objects.for_user(_user(request))


def campaigns_for(request):
    return Campaign.objects.for_user(_user(request))


def funds_for(request):
    return Fund.objects.for_user(_user(request)).select_related("unit")


class DisbursementReportFilter(django_filters.FilterSet):
    """Every choice comes from the user's scope; the queryset must already be scoped."""

    unit = django_filters.ModelChoiceFilter(
        label=_("union unit"), queryset=units_for, method="filter_unit"
    )
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="disbursed_on", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="disbursed_on", lookup_expr="lte"
    )
    campaign = django_filters.ModelChoiceFilter(label=_("campaign"), queryset=campaigns_for)
    category = django_filters.ChoiceFilter(
        label=_("category"), field_name="case__category", choices=Category.choices
    )
    fund = django_filters.ModelChoiceFilter(label=_("fund"), queryset=funds_for)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=DisbursementKind.choices)

    class Meta:
        model = Disbursement
        fields = ["unit", "date_from", "date_to", "campaign", "category", "fund", "kind"]

    def filter_unit(self, queryset, name, unit):
        # A unit stands for itself and every unit below it.
        return queryset.filter(paying_unit__tree_path__startswith=unit.tree_path)
