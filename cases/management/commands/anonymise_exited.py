"""Anonymise the cases that left the register more than RETENTION_YEARS ago (cron)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.retention import cases_anonymise, cases_due
from unions.models import User


class Command(BaseCommand):
    help = (
        "Anonymise cases exited more than --years (default RETENTION_YEARS) years ago: "
        "names, ID numbers, contact details, household members, in their history rows "
        "too; money records keep amounts and dates. --dry-run lists what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="A city administrator to record the run under (default: the system).",
        )

    def handle(self, *args, years=None, dry_run=False, username=None, **options):
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                self.stderr.write(_("No active user %(name)s.") % {"name": username})
                sys.exit(2)
        if years is not None and years < 1:
            self.stderr.write(_("--years must be at least 1."))
            sys.exit(2)
        if dry_run:
            # Which cases: by key, unit and exit date (never a name: this output goes to
            # a terminal or a cron mail).
            due = cases_due(years if years is not None else _default_years())
            for pk, unit, exited_on in due.order_by("exited_on", "pk").values_list(
                "pk", "unit__name", "exited_on"
            ):
                self.stdout.write(f"#{pk} {unit} {exited_on:%Y-%m-%d}")
        run = cases_anonymise(years=years, dry_run=dry_run, acting_user=user)
        self.stdout.write(
            (
                _("Dry run, nothing changed. Cut-off date: %(cutoff)s.")
                if dry_run
                else _("Anonymised. Cut-off date: %(cutoff)s.")
            )
            % {"cutoff": run.cutoff.isoformat()}
        )
        self.stdout.write(
            _("Cases: %(cases)d; removed cases with history: %(removed)d.")
            % {"cases": len(run.case_ids), "removed": len(run.removed_ids)}
        )
        for line in run.lines():
            self.stdout.write(line)


def _default_years() -> int:
    from django.conf import settings

    return settings.RETENTION_YEARS
