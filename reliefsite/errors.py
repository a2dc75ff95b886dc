"""The error pages: a database that does not answer is a 503 in words, never a traceback.

``handler500`` (reliefsite.urls) is called by Django while the exception is being
handled, whether it came from a view or from a middleware (the session store is the
first to touch the database). A database that went away (restarted, failed over, its
connections cut) raises OperationalError/InterfaceError: the page then says "try again
in a moment", and the next request reconnects by itself (CONN_HEALTH_CHECKS), so the
service resumes without a restart. The transaction of the failed request was rolled
back by the database, so nothing is half-written.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger("relief.errors")

UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        logger.warning("database unavailable during %s: %s", request.path, error)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)
