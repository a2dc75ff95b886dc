"""Search terms that must not travel in URLs (a resident ID number), kept in the session.

A list search naming such a term is stored under a short token and the list redirects
to ``?_qt=<token>``: its pagination, sorting, filter, "return to list" and export links
then carry the token, never the term (a search result page repeated the ID number in 55
links, each a Referer, a browser-history entry, a proxy log line). Why a token and not a
POST form: the admin's own GET search form, its links and the export keep working (back
button, reload, bookmarks within the session) without changing Django's templates or
JavaScript. The term appears once, in the request that submitted it.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object

TOKEN_VAR = "_qt"
SESSION_KEY = "relief_search_tokens"
KEPT_SEARCHES = 20


def remember_search(request: HttpRequest, term: str) -> str:
    """Keep ``term`` in the session (the last few only); the token that names it."""
    kept = dict(request.session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(6)
    kept[token] = term
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT_SEARCHES:])
    return token


def recalled_search(request: HttpRequest) -> str | None:
    """The search a ``?_qt=`` token names; ``""`` for an unknown or expired token,
    ``None`` when there is none."""
    token = request.GET.get(TOKEN_VAR)
    if token is None or SEARCH_VAR in request.GET:
        return None
    return request.session.get(SESSION_KEY, {}).get(token, "")


class TokenSearchMixin(_ModelAdmin):
    """Put before the admin base class; override ``sensitive_search``."""

    def sensitive_search(self, term: str) -> bool:
        """Whether ``term`` must be kept out of URLs."""
        return False

    def changelist_view(self, request, extra_context=None):
        term = request.GET.get(SEARCH_VAR, "")
        sensitive = bool(term) and self.sensitive_search(term)
        if request.method == "GET" and (sensitive or (TOKEN_VAR in request.GET and term)):
            params = request.GET.copy()
            params.pop(TOKEN_VAR, None)
            if sensitive:
                params[TOKEN_VAR] = remember_search(request, params.pop(SEARCH_VAR)[-1])
            return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")
        if recalled_search(request) == "":
            messages.warning(request, gettext("That search has expired: search again."))
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        if TOKEN_VAR not in request.GET:
            return base
        term = recalled_search(request) or ""

        class TokenSearchForm(base.search_form_class):  # type: ignore[name-defined]
            def __init__(self, data, *args, **kwargs):
                data = data.copy()
                data[SEARCH_VAR] = term
                super().__init__(data, *args, **kwargs)

        class TokenChangeList(base):  # type: ignore[valid-type,misc]
            search_form_class = TokenSearchForm

            def get_filters_params(self, params=None):
                lookups = super().get_filters_params(params)
                lookups.pop(TOKEN_VAR, None)
                return lookups

        return TokenChangeList
