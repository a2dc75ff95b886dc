"""Admin actions that call a service once per selected record."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from adminkit.errors import error_text


def run_for_each(
    model_admin,
    request,
    queryset,
    call: Callable,
    done_message: str | Callable[[int], str],
    *,
    label: Callable = str,
) -> int:
    """Call ``call(obj)`` for each record; a refusal is a message, the rest go through.

    ``queryset`` is the scoped changelist narrowed to the ticked rows, so a forged id
    of another unit is simply not in it. ``done_message`` says how many went through,
    as a ``%(count)d`` string or a function of the count (for plural forms); ``label``
    names a record in a refusal. Returns how many went through.
    """
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except (ValidationError, PermissionDenied) as error:
            model_admin.message_user(
                request,
                gettext("%(object)s: %(message)s")
                % {"object": label(obj), "message": error_text(error)},
                messages.ERROR,
            )
        else:
            done += 1
    if done:
        text = done_message(done) if callable(done_message) else done_message % {"count": done}
        model_admin.message_user(request, text, messages.SUCCESS)
    return done
