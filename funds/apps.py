from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save, pre_migrate, pre_save
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Relief funds")

    def ready(self) -> None:
        from cases.models import Case
        from cases.signals import cases_reclassified
        from funds import census, signals
        from unions.models import UnionUnit

        post_save.connect(signals.case_saved, sender=Case, dispatch_uid="funds.case_saved")
        cases_reclassified.connect(signals.cases_reclassified, dispatch_uid="funds.reclassified")
        pre_save.connect(signals.unit_saving, sender=UnionUnit, dispatch_uid="funds.unit_saving")
        post_save.connect(signals.unit_saved, sender=UnionUnit, dispatch_uid="funds.unit_saved")
        # The case census's triggers (core.triggers: after migrate, not in a migration).
        pre_migrate.connect(
            census.TRIGGERS.drop_before_migrating, sender=self, dispatch_uid="funds.census_off"
        )
        post_migrate.connect(
            census.TRIGGERS.ensure_installed, sender=self, dispatch_uid="funds.census_on"
        )
