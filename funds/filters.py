"""List filters funds adds to the lists of the apps above it (wired by
``settings.RELIEF_ADMIN_LIST_FILTERS``, ``adminkit.extensions``)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from funds.selectors import cases_never_aided


class NeverAidedFilter(admin.SimpleListFilter):
    """从未帮扶 on the case list: files on file that no disbursement ever reached."""

    title = _("aid received")
    parameter_name = "aided"
    NEVER = "never"

    def lookups(self, request, model_admin):
        return [(self.NEVER, _("never aided"))]

    def queryset(self, request, queryset):
        if self.value() == self.NEVER:
            return cases_never_aided(queryset)
        return queryset
