"""The one task of the jobs app (django.tasks): run a job by its id."""

from __future__ import annotations

from django.tasks import task


@task()
def run_job(job_id: str) -> str:
    from jobs.runner import run

    return run(job_id)
