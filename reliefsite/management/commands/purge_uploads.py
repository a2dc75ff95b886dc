"""``purge_uploads [--older-than MINUTES]``: delete pending sheet uploads past their age.

Every admin upload purges as well; this is for cron, so that a file nobody confirmed or
cancelled is gone on a quiet day too (deploy: e.g. every 15 minutes).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sheets import uploads


class Command(BaseCommand):
    help = (
        "Delete uploaded sheets waiting for a confirm that are older than "
        "RELIEF_PENDING_UPLOAD_MAX_AGE_MINUTES (or --older-than)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="MINUTES",
            help="Age in minutes (default: the setting).",
        )

    def handle(self, *args, older_than=None, **options):
        with translation.override(settings.LANGUAGE_CODE):
            if older_than is not None and older_than < 0:
                raise CommandError(_("The age must be zero or more minutes."), returncode=2)
            age = None if older_than is None else timedelta(minutes=older_than)
            removed = uploads.purge(age)
            self.stdout.write(
                _("Deleted %(removed)d pending uploads; %(left)d still waiting.")
                % {"removed": removed, "left": uploads.pending_count()}
            )
