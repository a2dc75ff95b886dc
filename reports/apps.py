from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports, the city audit and the dashboard: reads across every other app."""

    name = "reports"
    verbose_name = _("Reports and audit")
