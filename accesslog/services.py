"""Writing the access log: one call where personal data is shown, exported or printed.

``record_access(request, action, objects, **details)`` is the whole API for the apps:
``objects`` are the records shown (model instances or a queryset), ``details`` anything
worth keeping about the access (a file name, filters), stored as JSON with every ID number
in it masked. It is written in the caller's request and transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from accesslog.middleware import current_request
from accesslog.models import AccessRecord, AccessTarget, Action
from unions.querysets import ScopedQuerySet

# A resident ID number anywhere in a text (18 characters or the legacy 15 digits).
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
TARGET_BATCH = 2000


def id_digest(id_number: str) -> str:
    """A keyed digest of a canonical ID number: finds the searches for a person without
    the log holding the number (keyed by SECRET_KEY, so not reversible by enumeration
    without it)."""
    return salted_hmac("accesslog.id_number", id_number.upper(), algorithm="sha256").hexdigest()


def mask_text(text: str) -> str:
    """Every ID number in ``text`` starred as the masked roles see it."""
    return _ID_NUMBER.sub(lambda m: m[1][:6] + "*" * (len(m[1]) - 10) + m[1][-4:], text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def _unit_rows(objects: Any) -> Iterable[tuple[type[models.Model], int, int | None]]:
    """(model, pk, owning unit id) of each object; a queryset is read in one query."""
    if isinstance(objects, models.Model):
        objects = [objects]
    if isinstance(objects, models.QuerySet):
        field = objects.scope_field if isinstance(objects, ScopedQuerySet) else None
        if field is None or field == "pk":
            for pk in objects.order_by().values_list("pk", flat=True).iterator(TARGET_BATCH):
                yield objects.model, pk, pk if field else None
            return
        rows = objects.order_by().values_list("pk", field).iterator(TARGET_BATCH)
        for pk, unit in rows:
            yield objects.model, pk, unit
        return
    for obj in objects:
        if isinstance(obj, models.QuerySet):
            yield from _unit_rows(obj)
            continue
        queryset = type(obj)._default_manager.all()
        field = queryset.scope_field if isinstance(queryset, ScopedQuerySet) else None
        if field == "pk":
            unit = obj.pk
        elif field and "__" not in field:
            unit = getattr(obj, f"{field}_id")
        elif field:
            unit = queryset.filter(pk=obj.pk).values_list(field, flat=True).first()
        else:
            unit = None
        yield type(obj), obj.pk, unit


def record_access(
    request: Any,
    action: str,
    objects: Any = (),
    *,
    user: Any = None,
    id_numbers: Iterable[str] = (),
    count: int | None = None,
    **details: Any,
) -> AccessRecord:
    """Record one access in the log and return it.

    ``request`` may be ``None``: then the current request, if any, or (a CLI run) none,
    with ``user`` given. ``objects``: the records shown — an instance, a queryset, or a
    list of either. ``id_numbers``: canonical ID numbers searched for (kept as digests).
    ``count``: how many records the access showed (default: the number of ``objects``).
    """
    from reliefsite.security import client_ip

    request = request if request is not None else current_request()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    types: dict[type, int] = {}
    rows = []
    for model, pk, unit in _unit_rows(objects):
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model).pk
        rows.append((types[model], pk, unit))
    with transaction.atomic():
        record = AccessRecord.objects.create(
            user=user,
            action=action,
            path=request.path[:200] if request is not None else "",
            client_ip=client_ip(request) if request is not None else None,
            request_id=getattr(request, "request_id", "") if request is not None else "",
            count=len(rows) if count is None else count,
            details=_masked(details),
        )
        targets = [
            AccessTarget(record=record, content_type_id=ct, object_id=pk, unit_id=unit)
            for ct, pk, unit in rows
        ]
        targets += [AccessTarget(record=record, id_digest=id_digest(n)) for n in set(id_numbers)]
        AccessTarget.objects.bulk_create(targets, batch_size=TARGET_BATCH)
    return record


def persons_of(queryset: models.QuerySet) -> models.QuerySet | None:
    """The persons (``settings.ACCESS_LOG_PERSON_MODEL``) behind the rows of ``queryset``:
    the rows themselves, or those their first foreign key to a person points to; ``None``
    when the rows name nobody (a ledger)."""
    from django.apps import apps

    person = apps.get_model(settings.ACCESS_LOG_PERSON_MODEL)
    if queryset.model is person:
        return queryset
    for field in queryset.model._meta.get_fields():
        if field.many_to_one and field.related_model is person:
            return person._default_manager.filter(pk__in=queryset.values(field.name))
    return None


def record_export(
    *, user: Any, sheet: str, file_name: str, rows: int, queryset: models.QuerySet, filters: dict
) -> AccessRecord:
    """An export in the log: which persons, how many rows, which filters, which file.

    In the admin the filters are the list's (the export page's query string); from the
    CLI, ``exportsheet``'s options.
    """
    request = current_request()
    if request is not None:
        filters = {**dict(request.GET.items()), **filters}
        from adminkit.searchtokens import TOKEN_VAR, recalled_search

        if TOKEN_VAR in filters:  # the search the token stands for (its ID numbers starred)
            filters["q"] = recalled_search(request) or ""
            del filters[TOKEN_VAR]
    persons = persons_of(queryset)
    return record_access(
        request,
        Action.EXPORT,
        persons if persons is not None else (),
        user=user,
        sheet=sheet,
        file_name=file_name,
        rows=rows,
        filters={k: v for k, v in filters.items() if v not in (None, "")},
    )


def records_about_id_number(term: str) -> tuple[str, models.QuerySet[AccessRecord]] | None:
    """The canonical number ``term`` spells and every access to that person (their page,
    history, exports naming them, a household member's data, searches for the number,
    found or not); ``None`` when ``term`` is not an ID number.

    ``settings.ACCESS_LOG_ID_SUBJECTS`` names the app's function that reads a number:
    it returns the canonical number and the querysets of the records it names, or None.
    """
    found = import_string(settings.ACCESS_LOG_ID_SUBJECTS)(term)
    if found is None:
        return None
    number, subjects = found
    targets = Q(id_digest=id_digest(number))
    for queryset in subjects:
        content_type = ContentType.objects.get_for_model(queryset.model)
        targets |= Q(content_type=content_type, object_id__in=queryset.values("pk"))
    return number, AccessRecord.objects.about(targets)


# --- the ID-search limit ------------------------------------------------------------------


def id_search_window() -> timedelta:
    return timedelta(minutes=settings.ID_SEARCH_WINDOW_MINUTES)


def id_searches_left(user: Any) -> int:
    """How many more ID numbers ``user`` may search for in the current window (PRIVACY.md:
    a masked number must not be recoverable by searching). Counted from the log itself
    (each number searched is a target), so every worker process sees the same count; two
    searches at the very same moment may both pass the last slot, no more."""
    since = timezone.now() - id_search_window()
    done = (
        AccessTarget.objects.filter(
            record__user=user, record__action=Action.SEARCH_ID, record__at__gte=since
        )
        .exclude(id_digest="")
        .count()
    )
    return max(settings.ID_SEARCH_LIMIT - done, 0)


def id_search_limit_message() -> str:
    return gettext(
        "Too many searches by ID number: at most %(limit)d in %(minutes)d minutes. "
        "Nothing was searched; try again later."
    ) % {"limit": settings.ID_SEARCH_LIMIT, "minutes": settings.ID_SEARCH_WINDOW_MINUTES}
