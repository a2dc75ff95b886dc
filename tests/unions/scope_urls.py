"""A throwaway admin site whose Membership admin uses every risky admin feature at once.

The project's own admins avoid most of these features; this site proves that the base
class closes each hole even when an admin does use them.
"""

from django.contrib.admin import AdminSite
from django.urls import path

from adminkit.scope import ScopedAdmin
from unions.admin import UnionUnitAdmin, UserAdmin
from unions.models import Membership, UnionUnit, User

site = AdminSite(name="scopetest")


class RiskyMembershipAdmin(ScopedAdmin):
    list_display = ["id", "user", "unit", "role"]
    list_editable = ["unit"]
    list_filter = ["unit", "role"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["unit"]
    sensitive_fields = ("role",)
    actions = ["delete_selected"]


site.register(Membership, RiskyMembershipAdmin)
site.register(UnionUnit, UnionUnitAdmin)
site.register(User, UserAdmin)

urlpatterns = [path("scopetest/", site.urls)]
