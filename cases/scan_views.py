"""The download of a scanned authorisation (授权委托书): in scope only, logged.

A mixin of the consent admin (its URL ``admin:cases_consentform_scan``). A record out of
the user's scope, or one missing, is the same 404; the scan shows the full ID number and
signature, so it is served only to those who see full ID numbers (the city auditor sees
that a signed copy is on file, not the copy). Each download is an access-log entry about
the person and the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import FileResponse, Http404
from django.urls import path
from django.utils.translation import gettext as _

from accesslog.models import Action
from accesslog.services import record_access
from cases import scans
from cases.models import ConsentForm
from cases.permissions import VIEW_CONSENT, VIEW_FULL_ID_NUMBER

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


class ScanDownloadMixin(_ModelAdmin):
    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/scan/",
                self.admin_site.admin_view(self.scan_view),
                name="cases_consentform_scan",
            )
        ]
        return extra + super().get_urls()

    def scan_view(self, request, object_id):
        user = request.user
        consent = (
            ConsentForm.objects.for_user(user)
            .select_related("case")
            .filter(pk=object_id if str(object_id).isdigit() else None)
            .first()
        )
        if consent is None or not (
            user.has_perm(VIEW_CONSENT) and user.has_perm(VIEW_FULL_ID_NUMBER)
        ):
            raise Http404(_("No such scanned copy."))
        stored = scans.path_of(consent.scan_name)
        if stored is None:
            raise Http404(_("No such scanned copy."))
        record_access(
            request, Action.DOWNLOAD, [consent.case, consent], file_name=consent.scan_file_name
        )
        response = FileResponse(
            stored.open("rb"),
            content_type=consent.scan_content_type,
            as_attachment=True,
            filename=consent.scan_file_name,
        )
        response["Cache-Control"] = "private, no-store"
        return response
