"""A job's private folder: the upload, the error file, the export, the progress file.

Under ``settings.PRIVATE_MEDIA_ROOT/jobs/<job id>/``, owner-only permissions, never
served as media: ``jobs.views`` hands a file to the job's owner alone. Every node (web
and worker) must see the same folder (README "Scaling out").
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings

INPUT_STEM = "input"


def jobs_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "jobs"


def job_dir(job_id: object, *, create: bool = False) -> Path:
    folder = jobs_root() / str(job_id)
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def file_path(job_id: object, name: str) -> Path | None:
    """The path of one of a job's files, or None if it has none of that name."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = job_dir(job_id) / name
    return path if path.is_file() else None


@contextmanager
def atomic_file(job_id: object, name: str) -> Iterator[IO[bytes]]:
    """Write a job's file in full or not at all: a temporary file renamed at the end.

    A failure on the way (the disk full, a killed worker) leaves no file of that name,
    and the partial one is removed, so nothing half-written is ever offered.
    """
    folder = job_dir(job_id, create=True)
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, folder / name)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def save_input(job_id: object, file_name: str, data: bytes) -> str:
    """Keep an uploaded sheet for the worker; returns its name in the job's folder."""
    name = INPUT_STEM + Path(file_name).suffix.lower()
    with atomic_file(job_id, name) as stream:
        stream.write(data)
    return name


def copy_input(source_job_id: object, name: str, job_id: object) -> str:
    """The same upload for another job (the confirm of a preview, a run again)."""
    source = job_dir(source_job_id) / name
    with atomic_file(job_id, name) as stream, source.open("rb") as original:
        shutil.copyfileobj(original, stream)
    return name


def remove_job_files(job_id: object) -> None:
    shutil.rmtree(job_dir(job_id), ignore_errors=True)
