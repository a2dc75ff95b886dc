"""Makes the current request known to code that records an access without being handed
the request (the sheet export, which the admin and the CLI share): its user, client IP
and request id go into the record. Outside a request (the CLI) there is none."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_current: ContextVar[HttpRequest | None] = ContextVar("accesslog_request", default=None)


def current_request() -> HttpRequest | None:
    return _current.get()


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
