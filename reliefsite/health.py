"""``/healthz`` for the load balancer and systemd (OPERATIONS.md "Health")."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("relief.health")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when every configured database answers; 503 names what did not."""
    failed = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            logger.warning("health check: database %s does not answer: %s", alias, error)
            failed.append(alias)
    if failed:
        return JsonResponse({"status": "unavailable", "databases": failed}, status=503)
    return JsonResponse({"status": "ok"})
