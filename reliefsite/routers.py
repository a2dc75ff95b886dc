"""Send reports, the audit and exports to a read replica; everything else to the primary.

Configured by ``DATABASE_REPLICA_URL`` (settings ``RELIEF_REPLICA_ALIAS``; without it every
query goes to ``default`` and this router changes nothing). A read goes to the replica
only when all of these hold:

- the code said so (``core.replica.replica_reads``: the report pages, the dashboard,
  ``reliefreport``, exports);
- the primary is not inside a transaction: a read inside one (a fund's balance read under
  its lock before a posting, a maker–checker step's state) is one a write depends on, and
  a replica lags;
- the model is not one of the site's own bookkeeping (jobs and their queue, sessions,
  login locks, users), whose readers act on what they read.

Writes always go to the primary, and the replica is never migrated (it replicates).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from core.replica import replica_reads_allowed

# Apps whose reads always stay on the primary, whatever the context.
PRIMARY_ONLY_APPS = frozenset(
    {"jobs", "django_tasks_db", "sessions", "axes", "auth", "contenttypes", "admin"}
)


def replica_alias() -> str:
    return getattr(settings, "RELIEF_REPLICA_ALIAS", "") or ""


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        alias = replica_alias()
        if not alias or not replica_reads_allowed():
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
