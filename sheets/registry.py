"""Which resource serves each sheet kind (``settings.RELIEF_SHEETS``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sheets.constants import Progress
from sheets.readers import read_sheet_file
from sheets.resources import SheetResource
from sheets.results import SheetResult

# --- which resource serves each sheet ----------------------------------------------------


class UnknownSheet(LookupError):
    pass


def sheet_kinds() -> list[str]:
    return list(settings.RELIEF_SHEETS)


def sheet_resource(kind: str) -> type[SheetResource]:
    """The resource class of ``kind`` (``settings.RELIEF_SHEETS``); raises ``UnknownSheet``."""
    from django.utils.module_loading import import_string

    try:
        return import_string(settings.RELIEF_SHEETS[kind])
    except KeyError:
        raise UnknownSheet(kind) from None


def import_file(
    resource: SheetResource,
    path: str | Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SheetResult:
    """Import a local file (the ``importsheet`` command); raises ``SheetFileError``.

    ``import_sheet`` checks the permission (``PermissionDenied``), once, for every path.
    """
    path = Path(path)
    sheet = read_sheet_file(path)  # its size checked before it is read
    return resource.import_sheet(sheet, dry_run=dry_run, file_name=path.name, progress=progress)
