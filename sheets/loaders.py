"""Key loading and matching: which record on file each row is."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from sheets.constants import LOOKUP_CHUNK
from sheets.fields import SheetField
from sheets.host import SheetHost
from sheets.rows import UPDATE, SheetRow


class KeyLoaderMixin(SheetHost):
    def resolve_rows(self, rows: list[SheetRow]) -> None:
        """Hook: look up, in bulk, what cells refer to (e.g. a person by ID number), and
        set ``row.key`` where it is more than one cell."""

    def check_duplicate_keys(self, rows: list[SheetRow]) -> None:
        first_seen: dict[Any, int] = {}
        column = self.key_field.column_name
        for row in rows:
            if row.key is None:
                continue
            other = first_seen.setdefault(row.key, row.number)
            if other != row.number:
                row.add_error(column, self.duplicate_key_message(other))
                row.key = None

    def duplicate_key_message(self, other: int) -> str:
        column = self.key_field.column_name
        return _("The same %(column)s as row %(other)d: each may appear only once.") % {
            "column": column,
            "other": other,
        }

    # --- hooks: existing rows, planning, rules, writing ---

    def load_existing(self, rows: list[SheetRow]) -> None:
        """Attach the record on file for each key: one query per ``LOOKUP_CHUNK`` keys.

        A key on file outside the importer's scope becomes an error on the key column
        (``out_of_scope_message``); that record is never attached to the row.
        """
        model = self._meta.model
        key_attribute = self.key_field.attribute
        wanted = [row for row in rows if row.key is not None]
        found: dict[Any, models.Model] = {}
        manager = model._default_manager
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            keys = [row.key for row in wanted[start : start + LOOKUP_CHUNK]]
            for instance in manager.filter(**{f"{key_attribute}__in": keys}):
                found[getattr(instance, key_attribute)] = instance
        m2m_fields = [f for f in self.sheet_fields() if f.is_m2m and not f.readonly]
        current_m2m = self._load_m2m([obj.pk for obj in found.values()], m2m_fields)
        column = self.key_field.column_name
        for row in wanted:
            instance = found.get(row.key)
            if instance is None:
                continue
            if not self.in_scope(instance):
                row.add_error(column, self.out_of_scope_message(instance))
                row.key = None
                continue
            row.instance = instance
            row.import_type = UPDATE
            for sheet_field in m2m_fields:
                row.old_m2m[sheet_field.attribute] = current_m2m[sheet_field.attribute].get(
                    instance.pk, ()
                )

    def _load_m2m(
        self, pks: list[int], m2m_fields: list[SheetField]
    ) -> dict[str, dict[int, tuple[int, ...]]]:
        result: dict[str, dict[int, tuple[int, ...]]] = {}
        for sheet_field in m2m_fields:
            through, source, target = self._through(sheet_field)
            links: dict[int, list[int]] = defaultdict(list)
            for start in range(0, len(pks), LOOKUP_CHUNK):
                chunk = pks[start : start + LOOKUP_CHUNK]
                for owner, related in through.objects.filter(
                    **{f"{source}_id__in": chunk}
                ).values_list(f"{source}_id", f"{target}_id"):
                    links[owner].append(related)
            result[sheet_field.attribute] = {k: tuple(sorted(v)) for k, v in links.items()}
        return result

    def _through(self, sheet_field: SheetField) -> tuple[Any, str, str]:
        model_field = self._meta.model._meta.get_field(sheet_field.attribute)
        return (
            model_field.remote_field.through,
            model_field.m2m_field_name(),
            model_field.m2m_reverse_field_name(),
        )

    def _plan(self) -> list[tuple[str, str, bool, bool, Any]]:
        """Per stored column, once: attribute, attname, is M2M, keeps default, blank value."""
        if not hasattr(self, "_plan_cache"):
            opts = self._meta.model._meta
            plan: list[tuple[str, str, bool, bool, Any]] = []
            for sheet_field in self.sheet_fields():
                if sheet_field.readonly:
                    continue
                if sheet_field.is_m2m:
                    plan.append((sheet_field.attribute, "", True, False, ()))  # no attname
                    continue
                model_field = opts.get_field(sheet_field.attribute)
                keeps_default = model_field.has_default() and not model_field.null
                blank = None if model_field.null else ""
                plan.append(
                    (sheet_field.attribute, model_field.attname, False, keeps_default, blank)
                )
            self._plan_cache = plan
        return self._plan_cache
