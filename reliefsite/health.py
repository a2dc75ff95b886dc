"""``/healthz`` for the load balancer and systemd (OPERATIONS.md "Health")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from reliefsite.routers import replica_alias

logger = logging.getLogger("relief.health")


def _databases() -> list[str]:
    """The primary and, when one is configured, the replica (the aliases in use)."""
    return [DEFAULT_DB_ALIAS, *([replica_alias()] if replica_alias() else [])]


def _queue() -> dict[str, object]:
    """The job queue: how many tasks wait, and how long the oldest has waited.

    A task that waits longer than ``RELIEF_QUEUE_MAX_WAIT_SECONDS`` means no worker is
    taking jobs (none runs, or all are stuck): the site is then unhealthy, because every
    large import or export would wait for ever.
    """
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
    wait = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"waiting": waiting.count(), "oldest_wait_seconds": round(wait)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when every database in use and the job queue answer; 503 names what did not."""
    failed = []
    for alias in _databases():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            logger.warning("health check: database %s does not answer: %s", alias, error)
            failed.append(alias)
    if failed:
        return JsonResponse({"status": "unavailable", "databases": failed}, status=503)
    try:
        queue = _queue()
    except DatabaseError as error:
        logger.warning("health check: the job queue does not answer: %s", error)
        return JsonResponse({"status": "unavailable", "queue": "no answer"}, status=503)
    limit = int(getattr(settings, "RELIEF_QUEUE_MAX_WAIT_SECONDS", 600))
    if queue["oldest_wait_seconds"] > limit:  # type: ignore[operator]
        logger.warning(
            "health check: a job has waited %ss: no worker", queue["oldest_wait_seconds"]
        )
        return JsonResponse({"status": "unavailable", "queue": queue}, status=503)
    return JsonResponse({"status": "ok", "queue": queue})
