"""The jobs in the admin: the owner's list, a job page with a live progress bar."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from jobs import views
from jobs.models import Job
from jobs.selectors import job_state


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "sheet_title", "status", "progress", "created_at")
    list_filter = ("status", "kind")
    list_display_links = ("file_name",)
    list_per_page = 50

    # --- one scope: the owner's own jobs; nobody adds, edits or deletes them here ---

    def get_queryset(self, request: HttpRequest) -> Any:
        return Job.objects.for_user(request.user).select_related("owner")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("sheet"))
    def sheet_title(self, job: Job) -> str:
        return views.sheet_title(job.sheet)

    @admin.display(description=_("progress"))
    def progress(self, job: Job) -> str:
        return f"{job_state(job)['percent']}%"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        views.sweep_quietly()
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        def page(view: Any) -> Any:
            return self.admin_site.admin_view(
                lambda request, object_id, **kw: view(request, self, object_id, **kw)
            )

        return [
            path("<uuid:object_id>/status/", page(views.status_view), name="jobs_job_status"),
            path("<uuid:object_id>/cancel/", page(views.cancel_view), name="jobs_job_cancel"),
            path("<uuid:object_id>/confirm/", page(views.confirm_view), name="jobs_job_confirm"),
            path("<uuid:object_id>/rerun/", page(views.rerun_view), name="jobs_job_rerun"),
            path(
                "<uuid:object_id>/file/<str:which>/",
                page(views.file_view),
                name="jobs_job_file",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        job = self.get_object(request, object_id)
        if job is None:  # missing and out of scope answer alike
            return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
        return views.job_page(request, self, job)
