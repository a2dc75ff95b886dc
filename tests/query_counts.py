"""One check for "this page costs the same number of queries for 5 records as for 50".

A page that loops over its rows and asks the database once per row (an N+1) costs more
queries as the rows grow; a page that fetches in a fixed number of queries does not. The
check also makes sure the page really answered and really drew more rows the second
time, so it cannot pass because both requests hit an error page or an empty list.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext


@dataclass
class Measured:
    queries: int
    few: HttpResponse
    many: HttpResponse


def changelist_rows(response) -> int:
    """How many rows an admin change list drew on its page."""
    return len(response.context["cl"].result_list)


def _get(client, url: str, status: int, content_type: str) -> tuple[int, HttpResponse]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == status, (response.status_code, response.get("Location"))
    assert response["Content-Type"].startswith(content_type), response["Content-Type"]
    return len(captured), response


def assert_constant_queries(
    client,
    url: str,
    make_rows: Callable[[int], object],
    *,
    shown: Callable[[HttpResponse], int] = changelist_rows,
    few: int = 5,
    many: int = 50,
    status: int = 200,
    content_type: str = "text/html",
) -> Measured:
    """``make_rows(n)`` adds ``n`` records; ``url`` is fetched with ``few`` and with
    ``many`` of them and must cost the same number of queries, answer ``status`` both
    times and show more rows (``shown(response)``) the second time."""
    make_rows(few)
    client.get(url)  # warm what a first request fills (session, content types, permissions)
    small_count, small = _get(client, url, status, content_type)
    make_rows(many - few)
    large_count, large = _get(client, url, status, content_type)
    assert shown(large) > shown(small) > 0, (
        f"{shown(small)} rows shown for {few} records, {shown(large)} for {many}"
    )
    assert large_count == small_count, (
        f"{small_count} queries for {few} records, {large_count} for {many}"
    )
    return Measured(small_count, small, large)
