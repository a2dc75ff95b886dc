from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ReliefSiteConfig(AppConfig):
    """The project package as an app: templates, management commands, system checks."""

    name = "reliefsite"
    verbose_name = _("Relief site")

    def ready(self) -> None:
        from reliefsite import checks  # noqa: F401  (registers the checks)


class ReliefAdminConfig(AdminConfig):
    default_site = "reliefsite.admin_site.ReliefAdminSite"
