"""Per-request memory of the units each user may see (``unions.querysets.unit_keys_for``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from unions.querysets import scope_listing


class ScopeListingMiddleware:
    """Every scoped read of one request shares one listing of the user's units."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope_listing():
            return self.get_response(request)
