"""The one place that decides which records a user may see.

Every scoped model's default manager is built from :class:`ScopedQuerySet`, and every
door (admin lists and pages, form choices, autocomplete, filters, actions, history,
import, export, reports, the CLI) goes through :meth:`ScopedQuerySet.for_user`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import StartsWith

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

    # Who may ask: the project's users (AbstractUser subclasses) or an anonymous request.
    AnyUser = AbstractUser | AnonymousUser


def unit_scope_for(user: AnyUser | None) -> models.QuerySet | None:
    """The union units ``user`` may see, as a lazy queryset, or ``None`` for "all".

    A user's scope is every unit they are a member of and every unit below it. The
    result is a subquery, so scoping a list adds no round trip to the database.
    Anonymous, inactive and unit-less users see nothing: there is no "unassigned rows
    are visible to everyone" case.
    """
    from unions.models import Membership, UnionUnit

    if user is None or not user.is_authenticated or not user.is_active:
        return UnionUnit.objects.none()
    if user.is_superuser:
        return None
    member_of_ancestor = Membership.objects.filter(
        StartsWith(OuterRef("tree_path"), F("unit__tree_path")), user_id=user.pk
    )
    return UnionUnit.objects.filter(Exists(member_of_ancestor))


# Within one web request (``unions.middleware.ScopeListingMiddleware``): the keys of the
# units in scope, per user, read once. Outside requests (jobs, the CLI, tests calling
# selectors) nothing is kept, so a change of memberships is seen at once.
_listed_scopes: ContextVar[dict[int, list[int] | None] | None] = ContextVar(
    "listed_scopes", default=None
)
# Past this many units a scope stays a subquery: a query's parameters are finite
# (SQLite's especially), and a long list costs the planner more than it saves.
LISTED_SCOPE_LIMIT = 200


@contextmanager
def scope_listing() -> Iterator[None]:
    """Let ``unit_keys_for`` keep each user's listed scope until the block ends."""
    token = _listed_scopes.set({})
    try:
        yield
    finally:
        _listed_scopes.reset(token)


def forget_listed_scopes(**kwargs: object) -> None:
    """Drop the scopes listed so far (a membership or a unit changed mid-request)."""
    listed = _listed_scopes.get()
    if listed is not None:
        listed.clear()


def unit_keys_for(user: AnyUser | None) -> list[int] | models.QuerySet | None:
    """The keys of the units ``user`` may see, for a filter ``…__in``; ``None`` for all.

    Within a web request, a list read once (one small query) and reused by every scoped
    read of the page: a case page scopes fifteen querysets, and building and compiling
    the subquery of ``unit_scope_for`` each time cost about 1 ms of CPU apiece, where a
    list of a few keys costs a tenth of that (and PostgreSQL estimates a list from its
    statistics). Elsewhere, and for a scope of more than ``LISTED_SCOPE_LIMIT`` units,
    the subquery.
    """
    listed = _listed_scopes.get()
    pk = user.pk if user is not None else None
    if listed is not None and isinstance(pk, int) and listed.get(pk) is not None:
        return listed[pk]  # listed earlier in this request
    units = unit_scope_for(user)
    if units is None:
        return None
    # Not in a request, anonymous, or listed already and found too long: the subquery.
    if listed is None or not isinstance(pk, int) or pk in listed:
        return units.values("pk")
    found = list(units.values_list("pk", flat=True)[: LISTED_SCOPE_LIMIT + 1])
    listed[pk] = found if len(found) <= LISTED_SCOPE_LIMIT else None
    return units.values("pk") if listed[pk] is None else found


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a union unit reached through ``scope_field``.

    Subclasses set ``scope_field`` to the lookup path of the owning unit, e.g. ``"unit"``
    or ``"case__unit"``.
    """

    scope_field: str = "unit"

    def for_user(self, user: AnyUser | None) -> Self:
        keys = unit_keys_for(user)
        if keys is None:
            return self
        return self.filter(**{f"{self.scope_field}__in": keys})

    def for_user_listed(self, user: AnyUser | None) -> Self:
        """``for_user``, with the units in scope read first and listed by key.

        For aggregates over many rows (the reports, the audit). ``for_user`` filters by
        a subquery, a semi-join with a LIKE on tree paths that PostgreSQL cannot
        estimate: it plans for one unit whatever the scope holds, harmless for a page of
        50 rows, but over 5M disbursements it picks nested loops (a city summary for a
        year took 3 s instead of 0.8 s). A list of keys it estimates from its
        statistics, at the cost of one small query. A queryset with a rule of its own
        (``for_user`` overridden) keeps that rule.
        """
        if type(self).for_user is not ScopedQuerySet.for_user:
            return self.for_user(user)
        keys = unit_keys_for(user)
        if keys is None:
            return self
        if not isinstance(keys, list):  # outside a request, or a scope too long to keep
            keys = list(keys.values_list("pk", flat=True))
        return self.filter(**{f"{self.scope_field}__in": keys})

    def in_units(self, units: models.QuerySet) -> Self:
        """Rows owned by ``units`` or any unit below them."""
        from unions.models import UnionUnit

        return self.filter(
            **{f"{self.scope_field}__in": UnionUnit.objects.subtree_of(units).values("pk")}
        )


def visible_to(obj: models.Model, user: AnyUser | None) -> bool:
    """Whether ``user`` may see ``obj``: the same rule as ``for_user``, for one row."""
    queryset = type(obj)._default_manager.all()
    if obj.pk is None or not isinstance(queryset, ScopedQuerySet):
        return True
    return queryset.for_user(user).filter(pk=obj.pk).exists()
