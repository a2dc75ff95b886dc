"""``exportsheet KIND --as USERNAME -o FILE [filters]`` (INTERFACES.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from core.replica import replica_reads
from reliefsite.management.commands.importsheet import USAGE, resolve_sheet, resolve_user
from sheets import sheet_kinds


class Command(BaseCommand):
    help = (
        "Export a register sheet as .xlsx or .csv (by the file's ending), with the same "
        "columns as the import, in the user's scope."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"The sheet: {', '.join(sheet_kinds())}.")
        parser.add_argument(
            "--as", dest="username", required=True, metavar="USERNAME", help="Export as this user."
        )
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="An .xlsx or .csv file."
        )
        parser.add_argument("--unit", help="Only this union unit and the units below it.")
        parser.add_argument("--status", help="Only this status, e.g. 在档.")
        parser.add_argument("--category", help="Only this category, e.g. 困难职工 (cases).")
        parser.add_argument(
            "--kind",
            dest="kind_filter",
            metavar="KIND",
            help="Only this kind, e.g. 慰问金 (disbursements) or 社会捐赠 (ledger).",
        )
        parser.add_argument("--campaign", help="Only this campaign (disbursements).")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the export as a background job and exit: the file (named by -o, "
            "whose ending chooses the format) is downloaded from the job's page.",
        )

    def handle(self, *args, kind, username, output, background=False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            filters = {name: options[name] for name in ("unit", "status", "category", "campaign")}
            filters["kind"] = options["kind_filter"]
            if background:
                return self._queue(kind, username, Path(output), filters)
            return self._export(kind, username, Path(output), filters)

    def _queue(self, kind: str, username: str, path: Path, filters: dict) -> None:
        from jobs.services import create_export_job
        from jobs.views import job_url

        user = resolve_user(username)
        resource = resolve_sheet(kind)(user=user)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("Export to a file ending in .xlsx or .csv."), returncode=USAGE)
        try:
            resource.check_export_permission()
            resource.apply_export_filters(resource.get_queryset(), filters)  # refuse early
        except (PermissionDenied, ValueError) as error:
            raise CommandError(str(error), returncode=USAGE)
        job = create_export_job(user, kind, path.name, filters=filters)
        self.stdout.write(
            _("Queued as background job %(job)s: see %(url)s")
            % {"job": job.pk, "url": job_url(job)}
        )

    def _export(self, kind: str, username: str, path: Path, filters: dict) -> None:
        resource = resolve_sheet(kind)(user=resolve_user(username))
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(_("Export to a file ending in .xlsx or .csv."), returncode=USAGE)
        if not path.parent.is_dir():
            raise CommandError(
                _("No such folder: %(folder)s.") % {"folder": path.parent}, returncode=USAGE
            )
        # Write next to the target and rename: a failed export leaves no half file (and
        # the file keeps mkstemp's owner-only permissions: it holds personal data).
        handle, temporary = tempfile.mkstemp(suffix=path.suffix, dir=path.parent or ".")
        os.close(handle)
        try:
            with replica_reads():
                count = resource.write_export(temporary, path.name, **filters)
            os.replace(temporary, path)
        except PermissionDenied as error:
            raise CommandError(str(error), returncode=USAGE)
        except ValueError as error:
            raise CommandError(str(error), returncode=USAGE)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        message = _("Rows exported to %(file)s: %(rows)d.") % {"rows": count, "file": path}
        self.stdout.write(message)
