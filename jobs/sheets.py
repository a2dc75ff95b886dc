"""The sheet pages' background path (``settings.RELIEF_SHEET_JOBS``, asked by sheets.admin).

Above ``RELIEF_BACKGROUND_ROWS`` rows an upload becomes a check-only job (its page shows
the progress, then the refusals with the error file, or the counts and a confirm that
queues the write), and an export of an admin list becomes a job whose page offers the
file. At or below it nothing changes: the preview, or the file in the response.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from jobs import services
from sheets import SheetFileError, background_limits, read_sheet
from sheets.limits import sheet_limits


def rows_above(queryset: QuerySet[Any], limit: int) -> bool:
    """More than ``limit`` rows? Counted only up to limit + 1 (never a full COUNT)."""
    return queryset.order_by()[: limit + 1].count() > limit


class SheetJobs:
    def __init__(self, model_admin: Any) -> None:
        self.model_admin = model_admin

    def export(
        self, request: HttpRequest, queryset: QuerySet[Any], file_name: str
    ) -> HttpResponse | None:
        """A job page for a large export, or None to export in this request."""
        limit = services.background_rows()
        if not rows_above(queryset, limit):
            return None
        job = services.create_export_job(
            request.user,  # type: ignore[arg-type]
            self.model_admin.sheet_kind,
            file_name,
            queryset=queryset,
        )
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.pk]))

    def import_upload(self, request: HttpRequest, upload: Any) -> HttpResponse | None:
        """A job page for a large upload, or None for the admin's own preview."""
        data = upload.read()
        upload.seek(0)
        try:
            rows = read_sheet(data, upload.name, background_limits()).total
        except SheetFileError:
            return None  # the preview says what is wrong with the file
        # A file over a request's upload limit is a job's whatever its rows (the form let
        # it through up to a job's limit, sheets.limits.upload_limits).
        if rows <= services.background_rows() and upload.size <= sheet_limits().upload_bytes:
            return None
        job = services.create_import_job(
            request.user,  # type: ignore[arg-type]
            self.model_admin.sheet_kind,
            upload.name,
            data,
            dry_run=True,
            rows=rows,
        )
        return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.pk]))
