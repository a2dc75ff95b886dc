"""Writes of jobs: create and queue them, cancel, confirm a preview, run again, sweep."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import files
from jobs.models import Job, JobKind, JobStatus
from jobs.progress import read_progress, request_cancel
from jobs.runner import QUERY_FILE, save_query
from jobs.tasks import run_job
from unions.models import User

logger = logging.getLogger("relief.jobs")


def background_rows() -> int:
    """Imports and exports of more rows than this become jobs (RELIEF_BACKGROUND_ROWS)."""
    return int(getattr(settings, "RELIEF_BACKGROUND_ROWS", 5000))


def enqueue(job: Job) -> Job:
    """Put a job on the queue (django.tasks); its task result's id is kept on the job."""
    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.task_id = str(result.id)
    return job


def create_import_job(
    user: User,
    sheet: str,
    file_name: str,
    data: bytes,
    *,
    dry_run: bool = False,
    rows: int = 0,
) -> Job:
    """Queue the import of an uploaded sheet (a check only with ``dry_run``)."""
    job = Job(
        owner=user,
        kind=JobKind.IMPORT,
        sheet=sheet,
        dry_run=dry_run,
        file_name=Path(file_name).name,
        rows_total=rows,
    )
    job.input_file = files.save_input(job.pk, file_name, data)
    job.save()
    return enqueue(job)


def create_export_job(
    user: User,
    sheet: str,
    file_name: str,
    *,
    filters: dict[str, Any] | None = None,
    queryset: QuerySet[Any] | None = None,
    rows: int = 0,
) -> Job:
    """Queue an export: the CLI's filters, or an admin list's query as it stands."""
    job = Job(
        owner=user,
        kind=JobKind.EXPORT,
        sheet=sheet,
        file_name=Path(file_name).name,
        rows_total=rows,
        params={"filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")}},
    )
    if queryset is not None:
        job.params.update(save_query(job.pk, queryset))
    job.save()
    return enqueue(job)


def cancel_job(job: Job) -> None:
    """Its owner stops it: a queued job never starts; a running one stops at its next
    progress report and rolls back (the worker sees a marker file: see jobs.progress)."""
    stopped = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED,
        finished_at=timezone.now(),
        error=_("Cancelled before it started: nothing was written."),
    )
    if not stopped and job.status == JobStatus.RUNNING:
        request_cancel(job.pk)


def _again(job: Job, **changes: Any) -> Job:
    """A new job doing the same work with the same files."""
    fields: dict[str, Any] = {
        "owner": job.owner,
        "kind": job.kind,
        "sheet": job.sheet,
        "dry_run": job.dry_run,
        "file_name": job.file_name,
        "params": job.params,
        "rows_total": job.rows_total,
    }
    new = Job(**{**fields, **changes})
    if job.input_file:
        new.input_file = files.copy_input(job.pk, job.input_file, new.pk)
    if job.params.get("model"):
        files.copy_input(job.pk, QUERY_FILE, new.pk)
    new.save()
    return enqueue(new)


def confirm_import(job: Job) -> Job:
    """The owner confirms a preview that found nothing wrong: the same file, written."""
    if not (job.kind == JobKind.IMPORT and job.dry_run and job.status == JobStatus.DONE):
        raise ValidationError(_("Only a finished check without refusals can be confirmed."))
    existing = job.confirmations.first()
    if existing is not None:
        return existing  # a double click confirms once
    return _again(job, dry_run=False, checked_by=job)


def rerun_job(job: Job) -> Job:
    """Run a failed or cancelled job again (after a crash, the disk freed...)."""
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise ValidationError(_("Only a failed or cancelled job can be run again."))
    return _again(job, checked_by=job.checked_by)


def sweep_stale_jobs(stale_seconds: int | None = None) -> int:
    """Mark failed every running job whose worker is gone; returns how many.

    Gone means: no sign of life in its progress file for ``RELIEF_JOB_STALE_SECONDS``,
    and (PostgreSQL) its row is not locked by a live worker's transaction. A killed
    worker's transaction is rolled back by the database, so nothing was written; the job
    can be run again.
    """
    if stale_seconds is None:
        stale_seconds = int(getattr(settings, "RELIEF_JOB_STALE_SECONDS", 120))
    cutoff = time.time() - stale_seconds
    swept = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING).only("pk", "started_at", "task_id"):
        progress = read_progress(job.pk)
        beat = progress.get("beat", 0) if progress else 0
        if not beat and job.started_at is not None:
            beat = job.started_at.timestamp()
        if beat > cutoff:
            continue
        reason = _(
            "The worker running this job stopped (no sign of life for %(seconds)d seconds): "
            "nothing was written. Run it again."
        ) % {"seconds": stale_seconds}
        try:
            with transaction.atomic():
                alive = Job.objects.select_for_update(skip_locked=True).filter(
                    pk=job.pk, status=JobStatus.RUNNING
                )
                if not alive.exists():
                    continue  # finished meanwhile, or locked by its live worker
                Job.objects.filter(pk=job.pk).update(
                    status=JobStatus.FAILED, finished_at=timezone.now(), error=reason
                )
                _fail_task_result(job.task_id, reason)
        except DatabaseError as error:
            # SQLite: a live import holds the write lock; try again on the next sweep.
            logger.info("sweep skipped job %s: %s", job.pk, error)
            continue
        logger.warning("job %s marked failed: its worker is gone", job.pk)
        swept += 1
    return swept


def _fail_task_result(task_id: str, reason: str) -> None:
    """The queue's own record of the task says so too (django-tasks-db's table)."""
    if not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    # A task id that is no UUID is not a database task (the tests' immediate backend).
    with contextlib.suppress(ValidationError, ValueError):
        DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="jobs.services.WorkerLost",
            traceback=reason,
        )
