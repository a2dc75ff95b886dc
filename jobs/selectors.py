"""Reads of jobs: what a job page and its progress bar show."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils import timezone

from jobs.models import Job, JobKind, JobStatus
from jobs.progress import cancel_requested, read_progress


def job_state(job: Job) -> dict[str, Any]:
    """Status, counters, percent done, elapsed and remaining seconds (None if unknown)."""
    live = read_progress(job.pk) if job.status == JobStatus.RUNNING else None
    counters: dict[str, Any] = {
        "read": job.rows_read,
        "checked": job.rows_checked,
        "written": job.rows_written,
        "total": job.rows_total,
        "stage": "",
    }
    if live:
        counters.update({k: live[k] for k in counters if k in live})
    total = int(counters["total"] or 0)
    if job.kind == JobKind.IMPORT:
        work = total * (1 if job.dry_run else 2)
        done = int(counters["checked"]) + (0 if job.dry_run else int(counters["written"]))
    else:
        work, done = total, int(counters["written"])
    now = timezone.now()
    elapsed = None
    if job.started_at:
        elapsed = ((job.finished_at or now) - job.started_at).total_seconds()
    remaining = None
    if job.status == JobStatus.RUNNING and elapsed and done and work > done:
        remaining = elapsed * (work - done) / done
    percent = 100 if job.is_finished and job.status == JobStatus.DONE else 0
    if not job.is_finished and work:
        percent = min(99, int(100 * done / work))
    stale_after = int(getattr(settings, "RELIEF_JOB_STALE_SECONDS", 120))
    beat = live.get("beat") if live else None
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.is_finished,
        "stage": counters["stage"],
        "rows": {k: counters[k] for k in ("read", "checked", "written", "total")},
        "percent": percent,
        "elapsed": round(elapsed, 1) if elapsed is not None else None,
        "remaining": round(remaining, 1) if remaining is not None else None,
        "cancel_requested": job.status == JobStatus.RUNNING and cancel_requested(job.pk),
        "stale": bool(beat and time.time() - beat > stale_after),
        "error": job.error,
    }
