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
from django.utils.translation import gettext

logger = logging.getLogger("relief.errors")

UNAVAILABLE = (OperationalError, InterfaceError)


def _page(template: str, title: str) -> str:
    """The error page; if even it cannot be rendered (its stylesheet missing from the
    static manifest after a deploy without collectstatic), the same words unstyled."""
    try:
        return loader.render_to_string(template)
    except Exception:
        logger.exception("error page %s could not be rendered", template)
        return f'<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8"><h1>{title}</h1>'


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        logger.warning("database unavailable during %s: %s", request.path, error)
        response = HttpResponse(
            _page("503.html", gettext("The service is briefly unavailable")), status=503
        )
        response["Retry-After"] = "10"
        return response
    return HttpResponse(_page("500.html", gettext("Something went wrong")), status=500)
