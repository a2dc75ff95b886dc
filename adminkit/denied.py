"""The refusal page (HTTP 403) in the admin's look and words.

Django's default is a bare English "403 Forbidden". Here the page says who the user is
(their units and roles), what they may not do (the page's action and record kind, read
from the URL name: ``cases_case_add`` → 新增 困难职工档案) and the reason the code gave,
and links back to where they came from.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The last part of an admin URL name, as a verb a clerk would say.
ACTIONS = {
    "add": _("add"),
    "change": _("change"),
    "delete": _("delete"),
    "history": _("see the history of"),
    "simple_history": _("see a past version of"),
    "import": _("import"),
    "process_import": _("import"),
    "export": _("export"),
    "reverse": _("reverse"),
    "allocate": _("allocate"),
    "payment": _("record a payment on"),
}
PAGES = {
    "reports_audit": _("open the city audit"),
    "reports_summary": _("open the relief summary"),
    "reports_bulletin": _("open the bulletin"),
}


def _what(request) -> str:
    """What the refused page does, in words ("" when the URL does not say)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    name = match.url_name or ""
    if name in PAGES:
        return str(PAGES[name])
    for suffix, verb in ACTIONS.items():
        prefix, _sep, tail = name.partition("_")
        model_name = tail[: -len(suffix) - 1] if tail.endswith(f"_{suffix}") else ""
        if not model_name:
            continue
        try:
            model = apps.get_model(prefix, model_name)
        except LookupError:
            continue
        return f"{verb}{model._meta.verbose_name}"
    return ""


def permission_denied(request, exception=None):
    user = request.user
    roles = "；".join(
        f"{m.unit.name}·{m.get_role_display()}"
        for m in (user.memberships.select_related("unit") if user.is_authenticated else [])
    )
    back = request.META.get("HTTP_REFERER", "")
    if not back or not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = ""
    reason = str(exception or "")  # a service's refusal says why; the admin's says nothing
    context = {
        **admin.site.each_context(request),
        "title": gettext("Not allowed"),
        "what": _what(request),
        "roles": roles,
        "reason": reason,
        "back_url": back,
    }
    return render(request, "403.html", context, status=403)
