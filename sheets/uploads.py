"""Uploaded sheets waiting for their confirm (PRIVACY.md "Files").

An admin import is two requests: the upload and its preview, then the confirm. Between
them the file (names, full ID numbers) waits here, in ``settings.RELIEF_PENDING_UPLOAD_DIR``:
a folder of the project's own (mode 0700, each file 0600), never the shared system temp
folder, readable by every web and worker process of the site. It is deleted when the
import is confirmed, refused or cancelled, and once older than
``settings.RELIEF_PENDING_UPLOAD_MAX_AGE`` (every ``save`` purges, and so does
``manage.py purge_uploads`` from cron).

The API is three calls that a background worker can make as well as the admin::

    token = uploads.save(upload, user, kind="cases", file_name="档案.xlsx")
    pending = uploads.open(token, user)      # UploadGone if missing, expired or not theirs
    data = pending.read()
    uploads.delete(token)

A token is 32 random hex digits and names the file: a forged one finds nothing, and
only the user who uploaded may open it.
"""

from __future__ import annotations

import builtins
import datetime
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.utils import timezone
from django.utils.translation import gettext as _

from sheets.errors import SheetFileError
from sheets.limits import file_too_large, sheet_limits, upload_limits

logger = logging.getLogger("relief.sheets")

_TOKEN = re.compile(r"[0-9a-f]{32}")
_DATA, _META = ".upload", ".json"


class UploadGone(SheetFileError):
    """The pending upload is not there (confirmed, refused, cancelled, expired, forged,
    or someone else's): the same answer for each, so a token reveals nothing."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This upload is no longer waiting (it was imported, cancelled or has "
                "expired): upload the file again."
            )
        )


@dataclass(frozen=True)
class PendingUpload:
    token: str
    user_id: int
    kind: str
    file_name: str
    created: datetime.datetime
    path: Path
    size: int

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:  # deleted since it was opened (a purge, a cancel)
            raise UploadGone() from None


def folder() -> Path:
    """The private folder, created (0700) when missing."""
    path = Path(settings.RELIEF_PENDING_UPLOAD_DIR)
    if not path.is_dir():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
    if path.stat().st_mode & 0o077:  # made by hand with the umask's mode: close it
        os.chmod(path, 0o700)
    return path


def _paths(token: str) -> tuple[Path, Path]:
    base = folder() / token
    return base.with_suffix(_DATA), base.with_suffix(_META)


def _write_private(path: Path, chunks: Iterable[bytes], limit: int | None = None) -> int:
    """Write ``chunks`` to a new file of mode 0600; ``SheetTooLarge`` past ``limit``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    try:
        with builtins.open(descriptor, "wb") as target:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise file_too_large(None, sheet_limits())
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return size


def save(upload: Any, user: Any, *, kind: str, file_name: str) -> str:
    """Keep ``upload`` (bytes or a Django ``File``) for ``user``; returns its token.

    Refuses a file over ``RELIEF_SHEET_MAX_UPLOAD_BYTES`` (``SheetTooLarge``), and first
    purges every pending upload older than the configured age.
    """
    purge()
    token = secrets.token_hex(16)
    data_path, meta_path = _paths(token)
    chunks: Iterable[bytes] = (
        [bytes(upload)] if isinstance(upload, bytes | bytearray) else upload.chunks()
    )
    size = _write_private(data_path, chunks, sheet_limits().upload_bytes)
    meta = {
        "user": user.pk,
        "kind": kind,
        "file_name": Path(file_name or "").name[:200],
        "created": timezone.now().isoformat(),
        "size": size,
    }
    try:
        _write_private(meta_path, [json.dumps(meta, ensure_ascii=False).encode()])
    except BaseException:
        data_path.unlink(missing_ok=True)
        raise
    return token


def open(token: str, user: Any, *, kind: str | None = None) -> PendingUpload:
    """The pending upload ``token`` of ``user`` (and of sheet ``kind`` when given);
    ``UploadGone`` when it is missing, expired, forged or another user's."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise UploadGone()
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        created = datetime.datetime.fromisoformat(meta["created"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UploadGone() from None
    if meta.get("user") != getattr(user, "pk", None) or (kind and meta.get("kind") != kind):
        raise UploadGone()
    if timezone.now() - created > settings.RELIEF_PENDING_UPLOAD_MAX_AGE:
        delete(token)
        raise UploadGone()
    if not data_path.is_file():
        raise UploadGone()
    return PendingUpload(
        token=token,
        user_id=meta["user"],
        kind=meta.get("kind", ""),
        file_name=meta.get("file_name", ""),
        created=created,
        path=data_path,
        size=int(meta.get("size", 0)),
    )


def delete(token: str) -> None:
    """Remove the pending upload ``token`` (nothing happens when there is none)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return
    for path in _paths(token):
        path.unlink(missing_ok=True)


def delete_for(token: str, user: Any) -> bool:
    """Remove ``token`` if it is ``user``'s (the cancel button); whether it was there."""
    try:
        open(token, user)
    except UploadGone:
        return False
    delete(token)
    return True


def pending_count() -> int:
    return sum(1 for _ in folder().glob(f"*{_DATA}"))


def purge(max_age: datetime.timedelta | None = None) -> int:
    """Delete every pending upload older than ``max_age`` (the setting by default), and
    whatever else is in the folder that old (a half-written file, a request's spool
    file left by a killed process); returns how many uploads went."""
    age = settings.RELIEF_PENDING_UPLOAD_MAX_AGE if max_age is None else max_age
    cutoff = timezone.now().timestamp() - age.total_seconds()
    removed = 0
    base = folder()
    for path in [*base.iterdir(), *_incoming(base)]:
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += path.suffix == _DATA
        except FileNotFoundError:  # another process purged it first
            continue
    if removed:
        logger.info("purged %d pending uploads older than %s", removed, age)
    return removed


def _incoming(base: Path) -> list[Path]:
    spool = base / "incoming"
    return list(spool.iterdir()) if spool.is_dir() else []


class _SpooledUpload(TemporaryUploadedFile):
    """Django's ``TemporaryUploadedFile``, in ``incoming/`` of the private folder."""

    def __init__(self, name: str, content_type: str, size: int, charset: Any, extra: Any):
        spool = folder() / "incoming"
        spool.mkdir(mode=0o700, exist_ok=True)
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the upload owns and closes it)
            suffix=".upload" + os.path.splitext(name)[1][:20], dir=spool
        )
        UploadedFile.__init__(self, file, name, content_type, size, charset, extra)


class PrivateTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads over FILE_UPLOAD_MAX_MEMORY_SIZE, spooling into the
    private folder, and writing nothing past the upload limit: the file's ``size``
    stays true, so the form refuses it by name."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)
        self._limit = upload_limits().upload_bytes
        self.file = _SpooledUpload(
            self.file_name or "", self.content_type or "", 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        keep = self._limit - start
        if keep > 0:
            super().receive_data_chunk(raw_data[:keep], start)
        return None
