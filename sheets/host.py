"""What the resource mixins read from :class:`sheets.resources.SheetResource`.

``SheetResource`` is assembled from mixins (``bulk``, ``results``, ``export``) over
django-import-export's ``ModelResource``, which has no type information.
Each mixin derives from :class:`SheetHost` so that the type checker knows the attributes
and methods the others and ``SheetResource`` provide. The declarations exist only for the
checker: at run time the class is empty and changes nothing in the method order.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from sheets.context import ImportContext
    from sheets.fields import SheetField
    from sheets.results import SheetResult
    from sheets.rows import SheetRow
    from unions.models import User
    from unions.querysets import ScopedQuerySet


class SheetHost:
    if TYPE_CHECKING:
        # django-import-export's ResourceOptions and Field (untyped): read through Any.
        _meta: Any
        fields: dict[str, Any]
        user: User | AnonymousUser | None

        sheet_title: ClassVar[str]
        export_filters: ClassVar[dict[str, str]]
        listed_by: ClassVar[str]
        export_ordering: ClassVar[tuple[str, ...]]

        @property
        def key_field(self) -> SheetField: ...
        def sheet_fields(self) -> list[SheetField]: ...
        def headers(self) -> list[str]: ...
        def get_queryset(self) -> ScopedQuerySet: ...
        def get_row_result_class(self) -> type[Any]: ...
        def check_export_permission(self) -> None: ...
        def prepare(self) -> None: ...
        def prepare_instance(
            self, row: SheetRow, context: ImportContext, now: datetime.datetime
        ) -> None: ...
        def log_import(self, result: SheetResult) -> None: ...
        def _log_entry(self, file_name: str, message: str) -> None: ...
        # The through model, its source and target field names; Any because the code reads
        # its ``objects`` manager, which django-stubs does not put on ``type[Model]``.
        def _through(self, sheet_field: SheetField) -> tuple[Any, str, str]: ...
