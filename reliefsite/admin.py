"""Failed logins (django-axes) in the admin: a city administrator sees who is locked out
where, and unlocks them. Replaces axes' own admin (``AXES_ENABLE_ADMIN = False``), which
shows request bodies and offers edits that make no sense for a lock."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reliefsite.permissions import UNLOCK_LOGINS


@admin.register(AccessAttempt)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked"]
    list_display_links = None
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    actions = ["unlock"]
    fields = ["username", "ip_address", "failures_since_start", "attempt_time"]
    readonly_fields = fields

    @admin.display(boolean=True, description=gettext_lazy("locked"))
    def locked(self, obj: AccessAttempt) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # unlocking is the action below, never a bare delete

    def get_actions(self, request, *args, **kwargs):
        actions = super().get_actions(request, *args, **kwargs)
        if not request.user.has_perm(UNLOCK_LOGINS):
            actions.pop("unlock", None)
        return actions

    @admin.action(description=gettext_lazy("Unlock the selected logins"))
    def unlock(self, request, queryset):
        unlocked = sum(
            reset(username=attempt.username, ip=attempt.ip_address) for attempt in queryset
        )
        self.message_user(
            request,
            _("Logins unlocked: %(count)d.") % {"count": unlocked},
            messages.SUCCESS,
        )
