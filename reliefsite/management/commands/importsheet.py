"""``importsheet KIND FILE --as USERNAME [--dry-run]`` (INTERFACES.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sheets import (
    SheetFileError,
    UnknownSheet,
    import_file,
    sheet_kinds,
    sheet_resource,
)
from unions.models import User

# Exit codes: 0 imported (or a clean dry run), 1 refused rows, 2 a usage problem.
REFUSED, USAGE = 1, 2


def resolve_user(username: str) -> User:
    """The active user called ``username``, or ``CommandError`` with exit code 2."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("Unknown user %(username)s.") % {"username": username}, returncode=2)
    if not user.is_active:
        raise CommandError(
            _("User %(username)s is inactive.") % {"username": username}, returncode=2
        )
    return user


def resolve_sheet(kind: str):
    try:
        return sheet_resource(kind)
    except UnknownSheet:
        raise CommandError(
            _("Unknown sheet %(kind)s: choose one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(sheet_kinds())},
            returncode=USAGE,
        )


class Command(BaseCommand):
    help = (
        "Import a register sheet (.xlsx or .csv) with the rules and scope of a user. "
        "Prints every refused row and exits 1, or prints the counts and exits 0."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"The sheet: {', '.join(sheet_kinds())}.")
        parser.add_argument("file", help="An .xlsx or .csv file.")
        parser.add_argument(
            "--as", dest="username", required=True, metavar="USERNAME", help="Import as this user."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the import as a background job (a worker runs it) and exit; "
            "its progress and result are on the job's page in the admin.",
        )

    def handle(self, *args, kind, file, username, dry_run, background=False, **options):
        # The sheets, their messages and this output are Chinese (INTERFACES.md).
        with translation.override(settings.LANGUAGE_CODE):
            if background:
                return self._queue(kind, Path(file), username, dry_run)
            return self._import(kind, Path(file), username, dry_run)

    def _queue(self, kind: str, path: Path, username: str, dry_run: bool) -> None:
        from jobs.services import create_import_job
        from jobs.views import job_url

        user = resolve_user(username)
        resource = resolve_sheet(kind)(user=user)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s.") % {"file": path}, returncode=USAGE)
        try:
            resource.check_import_permission()
        except PermissionDenied as error:
            raise CommandError(str(error), returncode=USAGE)
        job = create_import_job(user, kind, path.name, path.read_bytes(), dry_run=dry_run)
        self.stdout.write(
            _("Queued as background job %(job)s: see %(url)s")
            % {"job": job.pk, "url": job_url(job)}
        )

    def _import(self, kind: str, path: Path, username: str, dry_run: bool) -> None:
        resource = resolve_sheet(kind)(user=resolve_user(username))
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s.") % {"file": path}, returncode=USAGE)
        try:
            result = import_file(resource, path, dry_run=dry_run, progress=self._progress())
        except PermissionDenied as error:
            raise CommandError(str(error), returncode=USAGE)
        except SheetFileError as error:
            self.stdout.write(str(error))
            raise CommandError(str(error), returncode=REFUSED)
        finally:
            self._end_progress()
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(
                _("Nothing was imported. Errors: %(count)d.") % {"count": len(result.errors)},
                returncode=REFUSED,
            )
        self.stdout.write(result.summary())
        if dry_run:
            self.stderr.write(_("Dry run: nothing was written."))

    # A one-line progress display on a terminal only (never in pipes or logs).

    def _progress(self):
        if not self.stderr.isatty():
            self._shown = False
            return None
        labels = {"check": _("Checking"), "write": _("Writing")}

        def show(stage: str, done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            self.stderr.write(
                f"\r{labels.get(stage, stage)} {percent:3d}% ({done:,}/{total:,})",
                style_func=str,  # plain, not the error colour of stderr
                ending="",
            )
            self.stderr.flush()
            self._shown = True

        self._shown = False
        return show

    def _end_progress(self) -> None:
        if getattr(self, "_shown", False):
            self.stderr.write("\r\033[K", style_func=str, ending="")
            self.stderr.flush()
