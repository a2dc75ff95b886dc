"""The work of a job, as a worker runs it (``jobs.tasks.run_job``).

An import writes all its rows in one transaction or none (the sheet engine's rule), and
the job's own end — done, with its counts — is committed in the same transaction: a
worker killed at any moment leaves either the rows and "done", or no row and a job the
stale sweep marks failed (``jobs.services.sweep_stale_jobs``). On PostgreSQL the job's
row stays locked by that transaction, so the sweep can tell a live worker from a dead one
by the lock as well as by the progress file.
"""

from __future__ import annotations

import errno
import logging
import os
import pickle
import socket
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.replica import replica_reads
from jobs.files import atomic_file, job_dir
from jobs.models import Job, JobKind, JobStatus
from jobs.progress import Heartbeat, JobCancelled
from sheets import (
    SheetData,
    SheetFileError,
    SheetResource,
    SheetResult,
    background_limits,
    escape_formula,
    read_sheet,
    sheet_resource,
    write_csv,
    write_xlsx,
)

logger = logging.getLogger("relief.jobs")

# The error file's own column (spreadsheets.md: the clerk fixes the rows and uploads the
# same file again, so a job's import drops this column before checking).
ERROR_COLUMN = "错误原因"
# Refusals kept on the job for its page (the error file has every one of them).
SHOWN_ERRORS = 200
QUERY_FILE = "query.pickle"
EXPORT_EVERY = 2000


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(job_id: str) -> str:
    """Run one job; returns its final status. Runs at most once, whoever calls it."""
    with translation.override(settings.LANGUAGE_CODE):
        claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), worker=worker_name()
        )
        if not claimed:
            # Cancelled while queued, or another worker has it (a task enqueued twice).
            return "skipped"
        job = Job.objects.select_related("owner").get(pk=job_id)
        beat = Heartbeat(job.pk, total=job.rows_total)
        try:
            with beat:
                if job.kind == JobKind.IMPORT:
                    run_import(job, beat)
                else:
                    run_export(job, beat)
        except JobCancelled:
            _end(job, beat, JobStatus.CANCELLED, error=_("Cancelled: nothing was written."))
        except Exception as error:
            logger.exception("job %s failed", job.pk)
            _end(
                job,
                beat,
                JobStatus.FAILED,
                error=_("The job stopped on an error; nothing was written. (%(error)s)")
                % {"error": type(error).__name__},
            )
            raise
        return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def _end(job: Job, beat: Heartbeat, status: str, **fields: Any) -> None:
    counters = beat.counters
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        finished_at=timezone.now(),
        rows_total=counters["total"],
        rows_read=counters["read"],
        rows_checked=counters["checked"],
        rows_written=counters["written"],
        **fields,
    )


# --- import ---------------------------------------------------------------------------------


def _read(job: Job) -> SheetData:
    data = (job_dir(job.pk) / job.input_file).read_bytes()
    # A job may hold more rows than a request (RELIEF_JOB_MAX_*): the chunked sheets are
    # checked and written a chunk at a time.
    return read_sheet(data, job.file_name, background_limits())


def without_error_column(sheet: SheetData) -> SheetData:
    """The sheet without the error file's 错误原因 column, if it has one."""
    headers = [str(h).strip() if h is not None else "" for h in sheet.headers]
    if ERROR_COLUMN not in headers:
        return sheet
    index = headers.index(ERROR_COLUMN)
    rows = ((number, [*cells[:index], *cells[index + 1 :]]) for number, cells in sheet.rows)
    kept = [h for i, h in enumerate(sheet.headers) if i != index]
    return SheetData(kept, sheet.header_row, rows, total=sheet.total)


def run_import(job: Job, beat: Heartbeat) -> None:
    try:
        _run_import(job, beat)
    except (SheetFileError, PermissionDenied) as error:
        # The file cannot be read, or the owner may no longer import this sheet.
        _end(job, beat, JobStatus.REFUSED, error=str(error))


def _run_import(job: Job, beat: Heartbeat) -> None:
    resource = sheet_resource(job.sheet)(user=job.owner)
    sheet = without_error_column(_read(job))
    beat.update(stage="check", read=sheet.total, total=sheet.total)
    if job.dry_run:
        result = _import(resource, sheet, job, beat)
        _finish_import(job, beat, result, sheet.header_row)
        return
    with transaction.atomic():
        # The row lock is the worker's sign of life on PostgreSQL until this commits.
        if not Job.objects.select_for_update().filter(pk=job.pk, status=JobStatus.RUNNING):
            return  # swept meanwhile: someone said it failed, so it must not write
        result = _import(resource, sheet, job, beat)
        beat.raise_if_cancelled()  # rolls the rows back with the transaction
        _finish_import(job, beat, result, sheet.header_row)


def _import(resource: SheetResource, sheet: SheetData, job: Job, beat: Heartbeat) -> SheetResult:
    # No row result per row: the job shows counts and refusals (and the error file).
    return resource.import_sheet(
        sheet,
        dry_run=job.dry_run,
        file_name=job.file_name,
        progress=beat.progress,
        keep_rows=False,
    )


def _finish_import(job: Job, beat: Heartbeat, result: SheetResult, header_row: int) -> None:
    counters = result.counts
    beat.update(checked=result.total_rows)
    if result.errors:
        # Refused rows go to an error file; a header or file-wide refusal has no row.
        rows_refused = {e.row for e in result.errors if e.row not in (None, header_row)}
        error_file = write_error_file(job, result) if rows_refused else ""
        _end(
            job,
            beat,
            JobStatus.REFUSED,
            error=_("Nothing was imported. Errors: %(count)d.") % {"count": len(result.errors)},
            error_file=error_file,
            result={
                "error_count": len(result.errors),
                "errors": [[e.row, e.column, e.message] for e in result.errors[:SHOWN_ERRORS]],
            },
        )
        return
    if not job.dry_run:
        beat.update(written=counters["new"] + counters["updated"])
    _end(
        job,
        beat,
        JobStatus.DONE,
        result={"counts": counters, "summary": result.summary(), "seconds": result.seconds},
    )


def error_file_name(job: Job) -> str:
    suffix = Path(job.file_name).suffix.lower()
    return "errors" + (".csv" if suffix in (".csv", ".txt") else ".xlsx")


def write_error_file(job: Job, result: SheetResult) -> str:
    """The sheet as uploaded, every row, with a 错误原因 column filled on refused rows.

    Every row, not only the refused ones: nothing of the file was imported, so the clerk
    fixes the marked rows in this file and uploads it whole (the column is dropped then).
    """
    reasons: dict[int, list[str]] = {}
    for error in result.errors:
        if error.row is not None:
            where = f"{error.column}: " if error.column else ""
            reasons.setdefault(error.row, []).append(where + error.message)
    sheet = _read(job)
    headers = [h if h is not None else "" for h in sheet.headers]
    index = None
    if ERROR_COLUMN in [str(h).strip() for h in headers]:
        index = [str(h).strip() for h in headers].index(ERROR_COLUMN)
    else:
        headers.append(ERROR_COLUMN)
    width = len(headers)

    def rows() -> Iterator[Sequence[Any]]:
        for number, cells in sheet.rows:
            row = [escape_formula(cell) if cell is not None else "" for cell in cells]
            row += [""] * (width - len(row))
            row[index if index is not None else width - 1] = "；".join(reasons.get(number, ()))
            yield row

    name = error_file_name(job)
    with atomic_file(job.pk, name) as stream:
        if name.endswith(".csv"):
            write_csv(stream, [str(h) for h in headers], rows())
        else:
            write_xlsx(stream, [str(h) for h in headers], rows(), "错误原因")
    return name


# --- export ---------------------------------------------------------------------------------


def save_query(job_id: object, queryset: QuerySet[Any]) -> dict[str, str]:
    """Keep an admin list's query (filters, search, ticked rows) for the worker.

    A pickled ``Query`` is Django's documented way to rebuild a queryset elsewhere; the
    file is written here and read only by this code.
    """
    with atomic_file(job_id, QUERY_FILE) as stream:
        pickle.dump(queryset.query, stream)
    return {"model": queryset.model._meta.label}


def load_query(job: Job) -> QuerySet[Any] | None:
    label = job.params.get("model")
    if not label:
        return None
    model = apps.get_model(label)
    queryset = model._default_manager.all()
    with (job_dir(job.pk) / QUERY_FILE).open("rb") as stream:
        queryset.query = pickle.load(stream)  # noqa: S301 - our own file, see save_query
    return queryset


def run_export(job: Job, beat: Heartbeat) -> None:
    resource = sheet_resource(job.sheet)(user=job.owner)
    queryset = load_query(job)
    filters = job.params.get("filters", {})
    try:
        with replica_reads():
            total = resource.export_queryset(queryset, **filters).count()
            beat.update(stage="write", read=total, checked=total, total=total)
            original = resource.iter_export_rows

            def counted(rows_of: QuerySet[Any]) -> Iterable[list[Any]]:
                for number, row in enumerate(original(rows_of), 1):
                    if number % EXPORT_EVERY == 0:
                        beat.progress("write", number, total)
                    yield row

            resource.iter_export_rows = counted  # type: ignore[method-assign,assignment]
            name = "export" + Path(job.file_name).suffix.lower()
            with atomic_file(job.pk, name) as stream:
                count = resource.write_export(stream, job.file_name, queryset=queryset, **filters)
    except (PermissionDenied, ValueError) as error:
        _end(job, beat, JobStatus.REFUSED, error=str(error))
        return
    except OSError as error:
        logger.warning("export job %s could not write its file: %s", job.pk, error)
        if error.errno == errno.ENOSPC:
            message = _("The disk is full: the export was not finished and no file is kept.")
        else:
            message = _("The export file could not be written (%(reason)s); no file is kept.") % {
                "reason": error.strerror or type(error).__name__
            }
        _end(job, beat, JobStatus.FAILED, error=message)
        return
    beat.update(written=count)
    _end(job, beat, JobStatus.DONE, export_file=name, result={"rows": count})
