"""Extra admin pages of one model admin, and links to the admin's pages.

An app's own pages (allocate, reverse, record a payment...) live in its
``admin_views.py`` as functions ``view(model_admin, request, **kwargs)``; the admin's
``get_urls`` declares them with :func:`page_urls`, named ``<app>_<model>_<suffix>`` like
Django's own pages, so the admin module stays a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from django.contrib.admin.utils import quote
from django.db import models
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode


def page_urls(model_admin: Any, *pages: tuple[str, Callable, str]) -> list[URLPattern]:
    """URL patterns for ``(route, view, suffix)``: each ``view`` gets the model admin
    first and runs behind the admin site's login and permission wrapper."""
    opts = model_admin.opts
    patterns = []
    for route, view, suffix in pages:
        bound = update_wrapper(partial(view, model_admin), view)
        patterns.append(
            path(
                route,
                model_admin.admin_site.admin_view(bound),
                name=f"{opts.app_label}_{opts.model_name}_{suffix}",
            )
        )
    return patterns


def admin_url(obj_or_model: Any, page: str, *, site: str = "admin", **filters: Any) -> str:
    """The admin page ``page`` (changelist, change, or an extra page's suffix) of a record
    (its pk) or of a model (list pages, with optional query-string ``filters``)."""
    opts = obj_or_model._meta
    name = f"{site}:{opts.app_label}_{opts.model_name}_{page}"
    if isinstance(obj_or_model, models.Model):
        url = reverse(name, args=[quote(obj_or_model.pk)])
    else:
        url = reverse(name)
    return f"{url}?{urlencode(filters)}" if filters else url
