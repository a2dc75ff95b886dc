from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.utils.translation import gettext_lazy as _

from adminkit.scope import ScopedAdmin, ScopedTabularInline
from unions.forms import PasswordChangeForm
from unions.models import Membership, UnionUnit, User


@admin.register(UnionUnit)
class UnionUnitAdmin(ScopedAdmin):
    list_display = ["indented_name", "code", "level", "parent", "region_code", "is_active"]
    list_display_links = ["indented_name"]
    list_filter = ["level", "parent", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["name", "code", "region_code"]
    fields = ["name", "code", "level", "parent", "region_code", "is_active"]
    ordering = ["tree_path"]

    @admin.display(description=_("name"), ordering="tree_path")
    def indented_name(self, obj):
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


class MembershipInline(ScopedTabularInline):
    model = Membership
    extra = 1
    fields = ["unit", "role"]


@admin.register(User)
class UserAdmin(ScopedAdmin, auth_admin.UserAdmin):
    inlines = [MembershipInline]
    change_password_form = PasswordChangeForm
    list_display = ["username", "full_name", "unit_names", "is_active", "last_login"]
    list_filter = ["is_active", "memberships__role"]
    search_fields = ["username", "first_name", "last_name", "email"]
    staff_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email")}),
        (_("Status"), {"fields": ("is_active",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request, obj=None):
        # Groups follow memberships (unions.permissions.sync_user_groups); only a
        # superuser sees the raw permission switches.
        if obj is not None and not request.user.is_superuser:
            return self.staff_fieldsets
        return super().get_fieldsets(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__unit")

    @admin.display(description=_("name"))
    def full_name(self, obj):
        return f"{obj.last_name}{obj.first_name}"

    @admin.display(description=_("units and roles"))
    def unit_names(self, obj):
        return "；".join(f"{m.unit}（{m.get_role_display()}）" for m in obj.memberships.all())
