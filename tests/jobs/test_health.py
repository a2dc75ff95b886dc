"""/healthz checks the job queue too: a job nobody takes for too long means no worker."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs import services
from tests.jobs.conftest import kunshan_sheet


def test_healthz_reports_the_waiting_jobs(kunshan_clerk):
    services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(2))

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "queue": {"waiting": 1, "oldest_wait_seconds": 0}}


def test_healthz_fails_when_a_job_has_waited_too_long(kunshan_clerk, settings):
    settings.RELIEF_QUEUE_MAX_WAIT_SECONDS = 600
    services.create_import_job(kunshan_clerk, "cases", "档案.csv", kunshan_sheet(2))
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=11))

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "queue": {"waiting": 1, "oldest_wait_seconds": 660},
    }
