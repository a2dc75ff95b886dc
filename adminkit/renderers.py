"""The form renderer of the site: Django's widget templates, the commonest drawn in Python.

A clerk's case page draws some 130 widgets (its fields and its household's), and each
went through the template engine: a template lookup, a context, an ``{% include %}`` of
``attrs.html``, a variable resolution per attribute. Measured at city scale that was a
quarter of the page's CPU (25 ms of a 160 ms page, under load the site's largest cost).
``FastWidgetRenderer`` draws the plain ``<input>`` family, ``<select>`` with plain
options, and their attributes itself, with the same functions the engine calls
(``render_value_in_context``, ``stringformat``), so that the HTML is byte for byte what
the templates make (``tests/test_form_renderer.py`` compares widgets and whole pages). A
template an app overrides, a widget with templates of its own, anything else: drawn by
the templates, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# Django's own widget templates, to tell them from an override of the same name.
DJANGO_FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"
INPUT_ALIAS = '{% include "django/forms/widgets/input.html" %}\n'
SELECT_OPTION = WIDGETS + "select_option.html"

# The context every widget template is rendered in: autoescaping, default l10n and time zone.
_CONTEXT = Context()


def _var(value: Any) -> str:
    """``{{ value }}``."""
    return render_value_in_context(value, _CONTEXT)


def _string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe input safe."""
    out = stringformat(value, "s")
    if isinstance(value, SafeData):
        out = mark_safe(out)
    return _var(out)


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + _var(name))
            if value is not True:
                parts.append('="' + _string(value) + '"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    """``input.html`` (and every template that only includes it)."""
    value = widget.get("value")
    shown = ' value="' + _string(value) + '"' if value != None else ""  # noqa: E711 (as the template)
    return (
        f'<input type="{_var(widget.get("type", ""))}" name="{_var(widget.get("name", ""))}"'
        f"{shown}{_attrs(widget.get('attrs', {}))}>\n"
    )


def _option(option: dict[str, Any]) -> str:
    """``select_option.html``."""
    return (
        f'<option value="{_string(option.get("value"))}"{_attrs(option.get("attrs", {}))}>'
        f"{_var(option.get('label', ''))}</option>\n"
    )


def _select(widget: dict[str, Any]) -> str | None:
    """``select.html``, or ``None`` when an option has a template of its own."""
    groups = widget.get("optgroups", [])
    if any(o.get("template_name") != SELECT_OPTION for _n, options, _i in groups for o in options):
        return None
    parts = [f'<select name="{_var(widget.get("name", ""))}"{_attrs(widget.get("attrs", {}))}>']
    for group_name, options, _index in groups:
        if group_name:
            parts.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in options:
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


class FastWidgetRenderer(DjangoTemplates):
    """Django's form renderer, with its commonest widget templates drawn in Python."""

    @cached_property
    def drawn(self) -> dict[str, Callable[[dict[str, Any]], str | None]]:
        """Template names drawn here: those whose template is still Django's own."""
        drawn: dict[str, Callable[[dict[str, Any]], str | None]] = {}
        for path in (DJANGO_FORM_TEMPLATES / WIDGETS).glob("*.html"):
            name = WIDGETS + path.name
            if path.name == "input.html" or path.read_text() == INPUT_ALIAS:
                drawn[name] = _input
        drawn[WIDGETS + "select.html"] = _select
        drawn[SELECT_OPTION] = _option
        # Only while no app overrides one of them, nor the attrs.html they include.
        if not all(self._is_djangos(name) for name in [*drawn, WIDGETS + "attrs.html"]):
            return {}
        return drawn

    def _is_djangos(self, template_name: str) -> bool:
        origin = self.get_template(template_name).origin.name
        return Path(origin).is_relative_to(DJANGO_FORM_TEMPLATES)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = self.drawn.get(template_name)
        if draw is not None and set(context) == {"widget"}:
            html = draw(context["widget"])
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request)
