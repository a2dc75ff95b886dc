"""``jobs [--sweep] [--rerun ID]``: the background jobs, for an operator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from jobs import services
from jobs.models import Job
from jobs.selectors import job_state


class Command(BaseCommand):
    help = (
        "List the latest background jobs; --sweep marks failed the running jobs whose "
        "worker is gone (run it from cron or a timer; the job pages also sweep); "
        "--rerun ID runs a failed or cancelled job again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sweep", action="store_true", help="Mark stale jobs failed.")
        parser.add_argument(
            "--stale-seconds",
            type=int,
            default=None,
            help="No sign of life for this long means the worker is gone "
            "(default: RELIEF_JOB_STALE_SECONDS).",
        )
        parser.add_argument("--rerun", metavar="ID", help="Run this failed job again.")
        parser.add_argument("--limit", type=int, default=20, help="Jobs listed (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            if options["sweep"]:
                swept = services.sweep_stale_jobs(options["stale_seconds"])
                self.stdout.write(_("Jobs marked failed: %(count)d.") % {"count": swept})
                return
            if options["rerun"]:
                try:
                    job = Job.objects.filter(pk=options["rerun"]).first()
                except ValidationError:  # not a job id at all
                    job = None
                if job is None:
                    raise CommandError(_("No such job."), returncode=2)
                try:
                    new = services.rerun_job(job)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages), returncode=2)
                self.stdout.write(str(new.pk))
                return
            for job in Job.objects.select_related("owner")[: options["limit"]]:
                state = job_state(job)
                self.stdout.write(
                    f"{job.pk} {job.created_at:%Y-%m-%d %H:%M} {job.owner.username} "
                    f"{job.get_kind_display()} {job.sheet} {job.file_name} "
                    f"{state['status_label']} {state['percent']}% {job.error}"
                )
