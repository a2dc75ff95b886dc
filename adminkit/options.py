"""Building blocks the app admins declare instead of writing permission methods."""

from __future__ import annotations


class ReadOnlyMixin:
    """Nobody adds, changes or deletes here (superusers included); viewing follows the
    view permission and the scope. For model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin(ReadOnlyMixin):
    """An inline that lists related rows and offers no empty form or delete box."""

    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
