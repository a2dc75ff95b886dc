"""Scanned copies of signed authorisations (授权委托书), kept privately.

Under ``settings.PRIVATE_MEDIA_ROOT/consent/`` (folders 0700, files 0600), as the jobs'
files are: never under MEDIA_ROOT or static, so no URL reaches them; the consent admin's
download view reads them for a user in scope and records the access. A file is accepted
by what it *is* (its first bytes), not by its name: PDF, JPEG or PNG, up to
``settings.RELIEF_SCAN_MAX_BYTES``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# (magic bytes, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
NAME_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredScan:
    name: str  # relative to the scans' root
    file_name: str
    content_type: str
    size: int


def scans_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "consent"


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file starting with ``head``, or None."""
    for magic, content_type, suffix in SIGNATURES:
        if head.startswith(magic):
            return content_type, suffix
    return None


def _chunks(upload: Any):
    if isinstance(upload, bytes):
        yield upload
        return
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        yield from upload.chunks(CHUNK)
    else:
        yield upload.read()


def check(upload: Any, file_name: str) -> tuple[str, str]:
    """Refuse a scan that is too large or not a PDF/JPEG/PNG; its (type, extension)."""
    limit = settings.RELIEF_SCAN_MAX_BYTES
    size = len(upload) if isinstance(upload, bytes) else upload.size
    if size > limit:
        raise ValidationError(
            {
                "scan": _(
                    "The scanned copy is %(size)s; at most %(limit)s is accepted. "
                    "Scan it at a lower resolution."
                )
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    head = next(_chunks(upload), b"")[:16]
    found = sniff(head)
    if Path(file_name).suffix.lower() not in NAME_SUFFIXES or found is None:
        raise ValidationError(
            {
                "scan": _(
                    "Only a PDF, JPEG or PNG scan is accepted, and this file's content is "
                    "none of them (whatever its name says)."
                )
            }
        )
    return found


def store(upload: Any, file_name: str) -> StoredScan:
    """Check and write ``upload`` (bytes or a Django ``File``) to a new private file."""
    content_type, suffix = check(upload, file_name)
    folder = scans_root()
    _private_dir(folder)
    name = secrets.token_hex(16) + suffix
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    size = 0
    try:
        with open(descriptor, "wb") as target:
            for chunk in _chunks(upload):
                size += len(chunk)
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredScan(name, Path(file_name).name[:200], content_type, size)


def path_of(name: str) -> Path | None:
    """The stored file of ``name``, or None (a name never leaves the scans' folder)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = scans_root() / name
    return path if path.is_file() else None


def remove(name: str) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)
