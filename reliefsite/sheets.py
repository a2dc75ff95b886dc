"""Which resource imports and exports each KIND of sheet (``importsheet``/``exportsheet``).

Dotted paths keep this module free of model imports; adding a sheet is one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from unions.sheets import SheetResource

SHEETS: dict[str, str] = {
    "cases": "cases.resources.CaseResource",
    # "disbursements": "funds.resources.DisbursementResource",
    # "pairings": "pairings.resources.PairingResource",
    # "ledger": "funds.resources.LedgerResource",
}


class UnknownSheet(LookupError):
    pass


def sheet_resource(kind: str) -> type[SheetResource]:
    """The resource class for ``kind``; raises ``UnknownSheet``."""
    try:
        return import_string(SHEETS[kind])
    except KeyError:
        raise UnknownSheet(kind) from None
