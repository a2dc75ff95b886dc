"""Key loading and matching: which record on file each row is.

A resource names its loader as ``SheetResource.loader_class`` (the way django-import-export
names an ``instance_loader_class``); the pipeline makes one per import and calls
:meth:`KeyLoader.load` with every row after the keys are known (once per chunk of a
sheet checked in chunks, ``SheetResource.chunk_rows``). The default
refuses a key the file repeats and attaches the record on file for each key; a sheet that
matches rows otherwise (postings one to one, beneficiaries of an agreement) names its own.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import models

from sheets.constants import LOOKUP_CHUNK
from sheets.rows import UPDATE, SheetRow

if TYPE_CHECKING:
    from sheets.context import ImportContext
    from sheets.fields import SheetField
    from sheets.resources import SheetResource


class KeyLoader:
    """Rows keyed by one column, unique in the file, matched to records by that column."""

    def __init__(self, resource: SheetResource, context: ImportContext) -> None:
        self.resource = resource
        self.context = context
        # key -> the row it was first seen on, for the whole file: a chunked import
        # (SheetResource.chunk_rows) calls ``load`` once per chunk.
        self.first_seen: dict[Any, int] = {}

    def load(self, rows: list[SheetRow]) -> None:
        """Refuse repeated keys, then attach the record on file to each row that has one."""
        self.refuse_duplicates(rows)
        self.load_records(rows)

    def refuse_duplicates(self, rows: list[SheetRow]) -> None:
        """A key the file repeats: the later rows are refused, naming the first."""
        first_seen = self.first_seen
        column = self.resource.key_field.column_name
        for row in rows:
            if not row.plannable:
                continue
            other = first_seen.setdefault(row.key, row.number)
            if other != row.number:
                row.refuse(column, self.resource.duplicate_key_message(other))

    def load_records(self, rows: list[SheetRow]) -> None:
        """Attach the record on file for each key: one query per ``LOOKUP_CHUNK`` keys.

        A key on file outside the importer's scope refuses the row on the key column
        (``out_of_scope_message``); that record is never attached to the row.
        """
        resource, context = self.resource, self.context
        model = resource._meta.model
        key_attribute = resource.key_field.attribute
        wanted = [row for row in rows if row.plannable]
        found: dict[Any, models.Model] = {}
        manager = model._default_manager
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            keys = [row.key for row in wanted[start : start + LOOKUP_CHUNK]]
            for instance in manager.filter(**{f"{key_attribute}__in": keys}):
                found[getattr(instance, key_attribute)] = instance
        m2m_fields = [f for f in resource.sheet_fields() if f.is_m2m and not f.readonly]
        current_m2m = self.load_m2m([obj.pk for obj in found.values()], m2m_fields)
        column = resource.key_field.column_name
        for row in wanted:
            instance = found.get(row.key)
            if instance is None:
                continue
            if not resource.in_scope(instance, context):
                row.refuse(column, resource.out_of_scope_message(instance, context))
                continue
            row.instance = instance
            row.import_type = UPDATE
            for sheet_field in m2m_fields:
                row.old_m2m[sheet_field.attribute] = current_m2m[sheet_field.attribute].get(
                    instance.pk, ()
                )

    def load_m2m(
        self, pks: list[int], m2m_fields: list[SheetField]
    ) -> dict[str, dict[int, tuple[int, ...]]]:
        """Per many-to-many column: record pk -> the sorted pks it links to now."""
        result: dict[str, dict[int, tuple[int, ...]]] = {}
        for sheet_field in m2m_fields:
            through, source, target = self.resource._through(sheet_field)
            links: dict[int, list[int]] = defaultdict(list)
            for start in range(0, len(pks), LOOKUP_CHUNK):
                chunk = pks[start : start + LOOKUP_CHUNK]
                for owner, related in through.objects.filter(
                    **{f"{source}_id__in": chunk}
                ).values_list(f"{source}_id", f"{target}_id"):
                    links[owner].append(related)
            result[sheet_field.attribute] = {k: tuple(sorted(v)) for k, v in links.items()}
        return result
