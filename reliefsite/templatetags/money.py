"""``{% load money %}``: yuan in templates as everywhere else (``core.money.format_yuan``)."""

from __future__ import annotations

from django import template

from core.money import format_yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``1234.5`` → ``1,234.50``; nothing (``None`` or empty) → a dash."""
    if value is None or value == "":
        return "-"
    return format_yuan(value)
