"""Django admin words its own code hard-codes in English, said in the site's language.

The admin draws a yes/no column as an icon whose ``alt`` text is Python's ``True`` /
``False`` / ``None`` (read aloud by screen readers, shown when images are off, and
copied with the table). ``install()`` (from ``ReliefAdminConfig.ready``) replaces the
one function that draws it; every caller imports it from ``admin_list`` at call time.
"""

from __future__ import annotations

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext


def boolean_icon(value: bool | None) -> str:
    name, text = {
        True: ("yes", gettext("yes")),
        False: ("no", gettext("no")),
        None: ("unknown", gettext("unknown")),
    }[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


def install() -> None:
    admin_list._boolean_icon = boolean_icon
