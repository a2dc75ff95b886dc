"""``manage.py backup [-o FILE]``: a consistent copy of the database while the site runs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from reliefsite.backups import BackupError, backup_database


class Command(BaseCommand):
    help = "Back up the database (pg_dump on PostgreSQL, the online backup API on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="file to write (default: BACKUP_DIR/relief-<time>)"
        )

    def handle(self, *args, **options):
        if options["output"]:
            path = Path(options["output"])
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
            path = Path(settings.BACKUP_DIR) / f"relief-{stamp}.{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backup_database(path)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{path} ({path.stat().st_size:,} bytes)")
