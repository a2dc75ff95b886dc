"""The user admin's password page, with its help text in the site's language.

Django builds the page's "password-based authentication" help by gluing an English
warning to the translated sentence (``AdminPasswordChangeForm.usable_password_help_text``),
so no catalogue can translate the glued text: it is one translatable string here.
"""

from __future__ import annotations

from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(AdminPasswordChangeForm):
    usable_password_help_text = _(
        'Whether the user may log in with a password.<ul id="id_unusable_warning" '
        'class="messagelist"><li class="warning">If disabled, the current password of '
        "this user will be lost.</li></ul>"
    )
