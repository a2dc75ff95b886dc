from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class ReliefAdminSite(admin.AdminSite):
    site_title = _("Hardship Relief")
    site_header = _("Hardship Relief · trade-union case management")
    index_title = _("Casework")
