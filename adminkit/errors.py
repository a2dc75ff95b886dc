"""A service's refusal, shown to the admin user: on a form, or as a message."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext


def error_text(error: ValidationError | PermissionDenied) -> str:
    """The words of a service's refusal, for a message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext("You are not allowed to do this.")


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: on the field it names, else above the form.

    ``rename`` maps a model field the service names to the form field it came from
    (the reversal's ``notes`` is the form's ``reason``).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (rename or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)
