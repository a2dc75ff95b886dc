"""Inlines and list filters that an app lower down adds to an admin of an app above it.

``settings.RELIEF_ADMIN_INLINES`` maps a model label to the dotted paths of inline
classes shown on its change page (pairings adds a case's agreements to the case page
without cases knowing pairings), as ``RELIEF_SHEETS`` does for the sheets;
``settings.RELIEF_ADMIN_LIST_FILTERS`` does the same for list filters (funds' "never
aided" on the case list).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _extra_inlines(label: str) -> tuple[type, ...]:
    return tuple(
        import_string(path)
        for path in getattr(settings, "RELIEF_ADMIN_INLINES", {}).get(label, ())
    )


def extra_inlines(model) -> list[type]:
    """The inline classes other apps add to ``model``'s change page."""
    return list(_extra_inlines(model._meta.label))


@cache
def _extra_list_filters(label: str) -> tuple[type, ...]:
    return tuple(
        import_string(path)
        for path in getattr(settings, "RELIEF_ADMIN_LIST_FILTERS", {}).get(label, ())
    )


def extra_list_filters(model) -> list[type]:
    """The list filter classes other apps add to ``model``'s change list."""
    return list(_extra_list_filters(model._meta.label))
