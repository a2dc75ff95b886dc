"""One intermediate form page for the admin: an action's form, or a service's own page.

Every such page (exit cases, refer, review, terminate agreements, allocate, reverse,
record a payment) collects input for one service call and renders
``admin/form_page.html`` in the admin's look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

# How many of the selected records an action's page names before "and N more".
ACTION_PREVIEW = 10


def form_page(
    model_admin,
    request,
    form,
    *,
    title: str,
    submit_label: str,
    intro: str = "",
    fields: list[str] | None = None,
    passed_on: Iterable[tuple[str, str]] = (),
    cancel_url: str | None = None,
    **context,
) -> TemplateResponse:
    """Render ``form`` on the admin's form page.

    ``passed_on`` are hidden (name, value) pairs posted again with the form (an
    action's selection); extra ``context`` fills the page's optional parts: ``original``
    and ``subtitle`` (the record the page is about), ``selected``/``total``/``more`` (an
    action's records) and ``table`` (``{"id", "headers", "rows"}``).
    """
    admin_form = helpers.AdminForm(
        form, [(None, {"fields": fields or list(form.fields)})], {}, model_admin=model_admin
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        "admin/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit_label": submit_label,
            "opts": model_admin.opts,
            "form": form,
            "adminform": admin_form,
            "errors": helpers.AdminErrorList(form, []),
            "media": model_admin.media + admin_form.media,
            "passed_on": list(passed_on),
            "cancel_url": cancel_url,
            **context,
        },
    )


def _action_keys(request) -> list[tuple[str, str]]:
    """The action's own POST keys, so the form's POST selects the same records through
    the same scoped queryset (select-across included)."""
    keys = {"index", helpers.ACTION_CHECKBOX_NAME}
    for prefix in ("", f"{admin.ActionLocation.CHANGE_FORM.value}-"):
        keys |= {f"{prefix}action", f"{prefix}select_across"}
    return [
        (key, value) for key in request.POST if key in keys for value in request.POST.getlist(key)
    ]


def form_action(
    model_admin,
    request,
    queryset,
    form_class,
    run: Callable[[dict], None],
    *,
    title: str,
    intro: str,
    submit_label: str,
    confirm_field: str = "apply",
):
    """An action with an intermediate page: show the form, then ``run`` on confirm.

    Returns ``None`` once ``run`` has been called (Django then redirects back to the list
    or the record), else the form page.
    """
    if confirm_field in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            run(form.cleaned_data)
            return None
    else:
        form = form_class()
    total = queryset.count()
    selected = list(queryset[:ACTION_PREVIEW])
    return form_page(
        model_admin,
        request,
        form,
        title=title,
        intro=intro,
        submit_label=submit_label,
        passed_on=[*_action_keys(request), (confirm_field, "1")],
        cancel_url=request.get_full_path(),
        # Not "_save": Django's changelist takes a POST with it for its list_editable
        # save and runs no action, so the confirmed form would silently do nothing.
        submit_name="_apply",
        selected=selected,
        total=total,
        more=total - len(selected),
    )
