"""Searching a list by resident ID number: limited, logged, and kept out of URLs.

PRIVACY.md: "A masked number must not be recoverable by searching". A city auditor sees
``320583********5512`` and could otherwise try every birth date whose check digit fits
(about 500 exact searches). So, on every admin list with an exact ID search:

- every search naming a whole ID number is in the access log (the number as a keyed
  digest, the persons found as records);
- users without the full-ID permission may run ``settings.ID_SEARCH_LIMIT`` such
  searches per ``ID_SEARCH_WINDOW_MINUTES``; over it the list says so and shows nothing;
- the number does not travel in the list's links (``adminkit.searchtokens``).
"""

from __future__ import annotations

from django.contrib import messages

from accesslog.models import Action
from accesslog.services import (
    id_search_limit_message,
    id_searches_left,
    persons_of,
    record_access,
)
from adminkit.searchtokens import TokenSearchMixin
from cases.permissions import VIEW_FULL_ID_NUMBER
from cases.selectors import id_numbers_in


class IdSearchAdminMixin(TokenSearchMixin):
    """Put before the admin base class of a list whose search finds ID numbers."""

    def id_search_results(self, request, queryset, search_term):
        """Hook: the rows an ID search finds (default: the admin's own search)."""
        return super().get_search_results(request, queryset, search_term)

    def get_search_results(self, request, queryset, search_term):
        numbers = id_numbers_in(search_term)
        if not numbers:
            return super().get_search_results(request, queryset, search_term)
        if not request.user.has_perm(VIEW_FULL_ID_NUMBER):
            if id_searches_left(request.user) < len(numbers):
                record_access(request, Action.SEARCH_ID_REFUSED, id_numbers=numbers)
                messages.error(request, id_search_limit_message())
                return queryset.none(), False
        found, may_have_duplicates = self.id_search_results(request, queryset, search_term)
        persons = persons_of(found)
        record_access(
            request,
            Action.SEARCH_ID,
            persons if persons is not None else (),
            id_numbers=numbers,
            list=self.model._meta.label,
        )
        return found, may_have_duplicates

    def sensitive_search(self, term: str) -> bool:
        return bool(id_numbers_in(term))
