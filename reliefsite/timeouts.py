"""Statement timeouts on PostgreSQL, so heavy work cannot starve light work (issue 16).

A web worker's statements are cut at ``WEB_STATEMENT_TIMEOUT`` (set by gunicorn.conf.py
for the web processes only: imports, exports and other jobs run in workers and management
commands without it); the report and audit pages, which legitimately read more, get the
longer ``REPORT_STATEMENT_TIMEOUT`` for the length of their request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection


@contextmanager
def longer_statement_timeout() -> Iterator[None]:
    timeout = getattr(settings, "REPORT_STATEMENT_TIMEOUT", "")
    web_timeout = getattr(settings, "WEB_STATEMENT_TIMEOUT", "")
    if not (timeout and web_timeout and connection.vendor == "postgresql"):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [timeout])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [web_timeout])


def with_report_timeout(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with longer_statement_timeout():
            return view(*args, **kwargs)

    return wrapped
