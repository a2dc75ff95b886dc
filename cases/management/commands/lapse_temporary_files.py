"""Lapse the temporary files (临时救助档案) not converted in time (cron, daily)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import temporary_cases_lapse


class Command(BaseCommand):
    help = (
        "Lapse every temporary file not converted within RELIEF_TEMPORARY_FILE_DAYS days "
        "of its registration, with a history row each. Safe to run again."
    )

    def handle(self, *args, **options):
        days = settings.RELIEF_TEMPORARY_FILE_DAYS
        count = temporary_cases_lapse(on=timezone.localdate())
        if count:
            self.stdout.write(
                _("Temporary files lapsed (not converted within %(days)d days): %(count)d.")
                % {"days": days, "count": count}
            )
        else:
            self.stdout.write(
                _("No temporary file is due to lapse (period: %(days)d days).") % {"days": days}
            )
