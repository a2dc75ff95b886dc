from axes.apps import AppConfig as AxesAppConfig
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

    def ready(self) -> None:
        super().ready()
        from adminkit import i18n

        i18n.install()  # yes/no icons say 是/否, not True/False


class AxesConfig(AxesAppConfig):
    """django-axes, named in the admin's app list (axes gives itself no verbose name)."""

    verbose_name = _("Axes")
