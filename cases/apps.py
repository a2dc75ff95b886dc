from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Hardship register")

    def ready(self) -> None:
        from cases import shared_ids

        # The duplicate-ID candidates' triggers (core.triggers: after migrate).
        pre_migrate.connect(
            shared_ids.TRIGGERS.drop_before_migrating, sender=self, dispatch_uid="cases.ids_off"
        )
        post_migrate.connect(
            shared_ids.TRIGGERS.ensure_installed, sender=self, dispatch_uid="cases.ids_on"
        )
