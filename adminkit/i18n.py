"""Django admin words and numbers its own code hard-codes, in the site's conventions.

Money: a ``core.money.MoneyField`` in a list column or a read-only field shows as
everywhere else (``format_yuan``: 15,000,000.00), not Django's bare ``15000000.00``.

The admin draws a yes/no column as an icon whose ``alt`` text is Python's ``True`` /
``False`` / ``None`` (read aloud by screen readers, shown when images are off, and
copied with the table). ``install()`` (from ``ReliefAdminConfig.ready``) replaces the
one function that draws it; every caller imports it from ``admin_list`` at call time.
"""

from __future__ import annotations

from django.contrib.admin import helpers
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import display_for_field
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

# Drawn per language: a list draws one in every row of a yes/no column, and the static
# file's URL is looked up in the manifest each time (a list of 50 rows asked 100 times).
_icons: dict[tuple[bool | None, str | None], str] = {}


def boolean_icon(value: bool | None) -> str:
    key = (value, get_language())
    if key not in _icons:
        name, text = {
            True: ("yes", gettext("yes")),
            False: ("no", gettext("no")),
            None: ("unknown", gettext("unknown")),
        }[value]
        _icons[key] = format_html(
            '<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text
        )
    return _icons[key]


def display_money_too(value, field, empty_value_display, *args, **kwargs):
    from core.money import MoneyField, format_yuan

    if isinstance(field, MoneyField) and value is not None:
        return format_yuan(value)
    return display_for_field(value, field, empty_value_display, *args, **kwargs)


def install() -> None:
    # Private names of Django's admin, replaced on purpose (django-stubs does not list them).
    admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined]
    # Both import display_for_field by name at import time.
    admin_list.display_for_field = display_money_too  # type: ignore[attr-defined]
    helpers.display_for_field = display_money_too  # type: ignore[attr-defined]
