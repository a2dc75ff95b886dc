"""``manage.py restore FILE [--into URL] --yes``: replace a database with a backup."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from reliefsite.backups import BackupError, Target, restore_database


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into the configured database or --into URL."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--into", help="database URL to restore into (default: DATABASE_URL)")
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the target's data is replaced"
        )

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError("restore replaces every table of the target: add --yes")
        if options["into"]:
            target = Target.from_url(options["into"])
        else:
            target = Target.from_settings(connection.settings_dict)
            connection.close()  # nothing of ours holds the database while it is replaced
        try:
            restore_database(Path(options["file"]), target)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {options['file']} into {target.name}")
