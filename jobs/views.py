"""The job page, its progress as JSON, cancel/confirm/run again, and the job's files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import files, services
from jobs.models import Job, JobKind, JobStatus
from jobs.selectors import job_state
from sheets import UnknownSheet, sheet_resource

logger = logging.getLogger("relief.jobs")


def sheet_title(kind: str) -> str:
    try:
        return sheet_resource(kind).sheet_title
    except UnknownSheet:
        return kind


def sweep_quietly() -> None:
    """A page that shows jobs first marks those whose worker died (cheap: few run)."""
    try:
        services.sweep_stale_jobs()
    except DatabaseError:  # never let a busy database break a page for this
        logger.info("stale-job sweep skipped", exc_info=True)


def _job(request: HttpRequest, object_id: Any) -> Job:
    job = Job.objects.for_user(request.user).filter(pk=object_id).first()
    if job is None:
        raise Http404(_("No such job."))
    return job


def job_url(job: Job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


def job_page(request: HttpRequest, model_admin: Any, job: Job) -> HttpResponse:
    state = job_state(job)
    if state["stale"]:
        sweep_quietly()
        job.refresh_from_db()
        state = job_state(job)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("%(kind)s of %(sheet)s: %(file)s")
        % {"kind": job.get_kind_display(), "sheet": sheet_title(job.sheet), "file": job.file_name},
        "job": job,
        "state": state,
        "errors": job.result.get("errors", []),
        "error_count": job.result.get("error_count", 0),
        "status_url": reverse("admin:jobs_job_status", args=[job.pk]),
        "can_confirm": job.kind == JobKind.IMPORT
        and job.dry_run
        and job.status == JobStatus.DONE
        and not job.confirmations.exists(),
        "confirmed_as": job.confirmations.first(),
        "can_rerun": job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
    }
    return TemplateResponse(request, "admin/jobs/job/job.html", context)


def status_view(request: HttpRequest, model_admin: Any, object_id: Any) -> JsonResponse:
    job = _job(request, object_id)
    state = job_state(job)
    if state["stale"]:
        sweep_quietly()
        job.refresh_from_db()
        state = job_state(job)
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def cancel_view(request: HttpRequest, model_admin: Any, object_id: Any) -> HttpResponse:
    job = _job(request, object_id)
    if not job.is_finished:
        services.cancel_job(job)
        messages.info(request, _("The job is being cancelled: nothing it did will be kept."))
    return redirect(job_url(job))


@require_POST
def confirm_view(request: HttpRequest, model_admin: Any, object_id: Any) -> HttpResponse:
    job = _job(request, object_id)
    try:
        new = services.confirm_import(job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job_url(job))
    return redirect(job_url(new))


@require_POST
def rerun_view(request: HttpRequest, model_admin: Any, object_id: Any) -> HttpResponse:
    job = _job(request, object_id)
    try:
        new = services.rerun_job(job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(job_url(job))
    return redirect(job_url(new))


def file_view(request: HttpRequest, model_admin: Any, object_id: Any, which: str) -> FileResponse:
    """A job's error file or export, to its owner only (404 for anyone else)."""
    job = _job(request, object_id)
    stem = Path(job.file_name).stem
    if which == "errors" and job.error_file:
        name, download = job.error_file, f"{stem}-错误原因{Path(job.error_file).suffix}"
    elif which == "export" and job.export_file and job.status == JobStatus.DONE:
        name, download = job.export_file, job.file_name
    else:
        raise Http404(_("No such file."))
    path = files.file_path(job.pk, name)
    if path is None:
        raise Http404(_("No such file."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=download)
