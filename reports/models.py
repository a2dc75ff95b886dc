from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    """No table: carries the permissions of the report and audit pages."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("report access")
        permissions = [
            ("view_reports", _("Can view relief reports")),
            ("run_audit", _("Can run the city audit")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
