"""Which reads may come from a read replica (OPERATIONS.md "Growing past one machine").

A read is sent to a replica only inside ``replica_reads()``: the report and audit pages,
the dashboard, ``reliefreport`` and exports say so. Everything else — every write, every
maker–checker step, and every read inside a transaction (the reads a write depends on,
such as a fund's balance under its lock) — stays on the primary. The router
(``reliefsite.routers``) reads this flag; this module depends on nothing, so the generic
packages (``sheets``, ``jobs``) can mark their exports without knowing the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may come from the replica (a report or an export: slightly stale is fine)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads_allowed() -> bool:
    return _replica_reads.get()
