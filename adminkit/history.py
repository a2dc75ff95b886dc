"""History pages in a clerk's words (django-simple-history's "changes" column).

simple-history shows a change as Python would print it: ``pending → verified`` (the
stored code), ``[] → [因病, 单亲]`` (a list), ``None`` for an empty value, a related
record as its primary key and ``[323 chars]`` where it shortens. ``ClerkHistoryHelper``
shows what the pages show: the choice's label, items joined with 、, （空） for nothing,
是/否, the related record's name (only when the viewer may see it), and a Chinese note
where a long value is shortened.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

LIST_SEPARATOR = "、"


class ClerkObjDiffDisplay(ObjDiffDisplay):
    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        skipped = gettext("…(%(count)d characters left out)…") % {"count": num_skipped_chars}
        return f"{prefix}{skipped}{suffix}"


def _choice_labels(field: models.Field) -> dict[Any, str]:
    if field.choices:
        return {value: str(label) for value, label in field.flatchoices}
    if field.is_relation:
        return {}
    # A list field edited as check boxes (cases.CategoryListField) has its choices on
    # the form field only.
    choices = getattr(field.formfield(), "choices", None) or []
    return {value: str(label) for value, label in choices if not isinstance(label, list | tuple)}


class ClerkHistoryHelper(HistoricalRecordContextHelper):
    """Labels instead of codes in history diffs; ``user`` limits related names to scope."""

    def __init__(self, model, historical_record, *, user=None, **kwargs):
        super().__init__(model, historical_record, **kwargs)
        self.user = user

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ForeignKey):
            # simple-history hands a related object, or a DeletedObject for a row it
            # did not find (its pk None for an empty key): the name comes from the pk,
            # read through the viewer's scope.
            value = getattr(value, "pk", value)
            return None if value is None else self._related_name(field, value)
        labels = _choice_labels(field)
        if isinstance(value, list | tuple):
            return [labels.get(item, item) for item in value]
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        return labels.get(value, value) if labels else value

    def _related_name(self, field: models.ForeignKey, pk: Any) -> Any:
        from adminkit.scope import scoped_queryset

        related = field.related_model
        queryset = (
            scoped_queryset(related, self.user)
            if self.user is not None
            else related._default_manager.all()
        )
        found = queryset.filter(pk=pk).first()
        if found is not None:
            return str(found)
        # Out of the viewer's scope (a file's unit before it was transferred here): said
        # so, as the delete page says it, rather than a bare key.
        if self.user is not None and related._default_manager.filter(pk=pk).exists():
            return gettext("a record of another unit")
        return pk

    def stringify_delta_change_values(self, change, old, new):
        return super().stringify_delta_change_values(change, self._text(old), self._text(new))

    @staticmethod
    def _text(value: Any) -> Any:
        if value is None or value == "" or value == [] or value == ():
            return gettext("(empty)")
        if isinstance(value, list | tuple):
            return LIST_SEPARATOR.join(str(item) for item in value)
        return value

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return ClerkObjDiffDisplay(max_length=self.max_displayed_delta_change_chars)
