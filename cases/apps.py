from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Hardship register")

    def ready(self) -> None:
        from cases import registration_years, shared_ids

        # The triggers of the duplicate-ID candidates and of the files per year
        # (core.triggers: after migrate).
        for name, triggers in (
            ("ids", shared_ids.TRIGGERS),
            ("years", registration_years.TRIGGERS),
        ):
            pre_migrate.connect(
                triggers.drop_before_migrating, sender=self, dispatch_uid=f"cases.{name}_off"
            )
            post_migrate.connect(
                triggers.ensure_installed, sender=self, dispatch_uid=f"cases.{name}_on"
            )
