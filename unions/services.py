"""Helpers every app's services share: who may act, and saving with history."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from unions.querysets import visible_to


def require(user, perm: str, *objs) -> None:
    """Refuse unless ``user`` holds ``perm`` and may see every given object (None skipped)."""
    if not user.has_perm(perm) or not all(visible_to(obj, user) for obj in objs if obj):
        raise PermissionDenied


def save_validated(obj, acting_user) -> None:
    """Validate and save ``obj``, recording ``acting_user`` in its history."""
    obj._history_user = acting_user
    obj.full_clean()
    obj.save()
