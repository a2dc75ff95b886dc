"""The admin's autocomplete answers with each record's choice label (``choice_label``):
two people of one name in one district read differently in the 帮扶对象 box."""

from __future__ import annotations

from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from adminkit.scope import choice_label


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": choice_label(obj)}
