"""One log line per request (OPERATIONS.md "Logs"): request id, user, status, time taken.

The line carries the path but never the query string or the body: a search for an ID
number puts the number in the query string, and logs are no place for personal data.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("relief.request")

# A request id our own proxy may pass on (nginx: $request_id, 32 hex digits); anything
# else from outside is replaced, so a client cannot write into our logs.
_REQUEST_ID = re.compile(r"[0-9A-Za-z-]{8,64}")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        trusted = settings.TRUSTED_PROXY_COUNT > 0 and _REQUEST_ID.fullmatch(offered)
        request.request_id = offered if trusted else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        logger.info(
            "request_id=%s method=%s path=%s status=%s ms=%d user=%s",
            request.request_id,  # type: ignore[attr-defined]
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            user.get_username() if user is not None and user.is_authenticated else "-",
        )
        return response
