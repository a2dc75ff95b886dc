"""The case pages' entries in the access log (PRIVACY.md "Access log"), kept apart from
the case admin's declarations: a person's page opened with full data, their history
page and each past version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.utils import unquote

from accesslog.models import Action
from accesslog.services import record_access
from cases.models import HouseholdMember
from cases.permissions import VIEW_FULL_ID_NUMBER

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


def _shown(response) -> bool:
    return response.status_code == 200


class CaseAccessLogMixin(_ModelAdmin):
    """Put first in ``CaseAdmin``'s bases."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Only pages that show the full ID number and birth date (roles of the owning
        # units); a masked page shows what any list shows. The household members are on
        # the page too: their records are in the entry.
        context = getattr(response, "context_data", None) or {}
        case = context.get("original")
        if _shown(response) and case is not None and request.user.has_perm(VIEW_FULL_ID_NUMBER):
            members = HouseholdMember.objects.filter(case=case)
            record_access(request, Action.VIEW, [case, members])
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if _shown(response):
            record_access(request, Action.HISTORY, self.get_object(request, unquote(object_id)))
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if _shown(response):
            record_access(
                request,
                Action.PAST_VERSION,
                self.get_object(request, unquote(object_id)),
                version=str(version_id),
            )
        return response
