"""The changelist paginator that never counts a whole table."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.utils.translation import gettext


class CappedCountPaginator(Paginator):
    """Counts a changelist page without a full ``COUNT(*)``.

    Django's changelist asks ``paginator.count`` on every page; on PostgreSQL a count over
    a million cases costs more than the rest of the page together, for a number nobody
    reads exactly. So:

    - an unfiltered list (no WHERE clause at all: a superuser's list) on PostgreSQL takes
      the planner's estimate from ``pg_class.reltuples`` (kept fresh by autovacuum's
      ANALYZE) when it is above ``limit``; the page says "about 1,000,000";
    - every other list (scope is a filter too) counts at most ``limit + 1`` rows,
      ``SELECT COUNT(*) FROM (SELECT … LIMIT 10001)``: exact up to ``limit``, shown as
      "10,000+" above it, where a clerk narrows the list rather than pages through it.

    Paging stays correct: pages are sliced without trimming to an approximate count, so a
    page past an under-estimate still shows its rows; only page numbers beyond the cap
    are not linked.
    """

    # A changelist pages a queryset (Django's Paginator takes any sequence).
    object_list: models.QuerySet[Any]

    limit = 10_000

    is_capped = False
    is_estimate = False

    @cached_property
    def count(self) -> int:
        estimate = self._planner_estimate()
        if estimate is not None and estimate > self.limit:
            self.is_estimate = True
            return estimate
        # Ordering does not change a count, and without it the database can stop early.
        counted = self.object_list.order_by()[: self.limit + 1].count()
        if counted > self.limit:
            self.is_capped = True
        return counted

    def _planner_estimate(self) -> int | None:
        queryset = self.object_list
        connection = connections[queryset.db]
        query = queryset.query
        if (
            connection.vendor != "postgresql"
            or query.where
            or query.distinct
            or query.combinator
            or query.is_sliced
        ):
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        # -1 (never analysed) or 0 (empty or stale): count for real.
        return int(row[0]) if row and row[0] > 0 else None

    def page(self, number: int | str) -> Page[Any]:
        if not (self.is_capped or self.is_estimate):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        # Paginator._get_page is Django's (private, so not in django-stubs).
        return self._get_page(  # type: ignore[attr-defined]
            self.object_list[bottom : bottom + self.per_page], number, self
        )

    @property
    def count_label(self) -> str:
        """The count as the page shows it: "200", "10,000+" or "about 1,000,000"."""
        count = self.count
        if self.is_capped:
            return f"{self.limit:,}+"
        if self.is_estimate:
            return gettext("about %(count)s") % {"count": f"{count:,}"}
        return str(count)
