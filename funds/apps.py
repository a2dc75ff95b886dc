from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Relief funds")

    def ready(self) -> None:
        from cases.models import Case
        from funds import signals

        post_save.connect(signals.case_saved, sender=Case, dispatch_uid="funds.case_saved")
