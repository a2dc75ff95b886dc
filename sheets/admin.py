"""Import, export and blank templates of a register sheet in the admin (django-import-export).

The admin's pages are django-import-export's (upload, preview, confirm; export of the
filtered list); the work is the sheet's (``sheets``): the same resource, rules and
scope as ``importsheet``/``exportsheet``. What this closes of django-import-export's
defaults, each tested in ``tests/sheets/test_sheet_admin.py``:

- import and export are open to every staff user unless a permission code is set: here
  each sheet's own permissions decide (a city auditor may export, never import);
- the stock preview shows every row and, through the instance loader, another district's
  values: the sheet refuses those rows and the page shows the first ``preview_rows``;
- "export selected" with forged ids: only ids in the user's scope are valid choices;
- the stock export lets users pick columns: a sheet always has the spec's columns;
- the stock log writes one admin log entry per row: the sheet writes one per file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import Form, MultipleChoiceField, MultipleHiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ExportForm

from core.replica import replica_reads
from sheets import (
    SheetCSV,
    SheetFileError,
    SheetResource,
    SheetResult,
    SheetXLSX,
    sheet_resource,
    write_template,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _BackgroundImport:
    """A large upload becomes a background job (settings.RELIEF_SHEET_JOBS: the jobs app).

    Between the admin's own ``import_action`` and django-import-export's: the upload is
    checked by the same form, and a sheet above ``RELIEF_BACKGROUND_ROWS`` rows goes to
    a job (the check, then a confirm on the job's page) instead of the preview.
    """

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        admin_self: Any = self
        jobs = admin_self.sheet_jobs()
        if (
            jobs is not None
            and request.method == "POST"
            and "import_file" in request.FILES
            and admin_self.has_import_permission(request)
        ):
            form = admin_self.create_import_form(request)
            if form.is_valid():
                background = jobs.import_upload(request, form.cleaned_data["import_file"])
                if background is not None:
                    return background
        return super().import_action(request, **kwargs)  # type: ignore[misc]


class SheetAdminMixin(_BackgroundImport, ImportMixin, ExportMixin):
    """Put before ``ScopedAdmin`` in a model admin's bases; set ``sheet_kind``."""

    # ModelAdmin's (its bases here have no type information); declared, not assigned.
    actions: Sequence[Any] | None

    #: The sheet's key in ``settings.RELIEF_SHEETS``.
    sheet_kind: ClassVar[str] = ""
    #: Rows of a preview shown on the page (every row is checked, whatever the number).
    preview_rows: ClassVar[int] = 200

    import_template_name = "admin/sheets/import.html"
    export_form_class = ExportForm  # the spec's columns, not a choice of fields
    import_formats = [SheetXLSX, SheetCSV]
    export_formats = [SheetXLSX, SheetCSV]
    skip_admin_log = True
    import_export_change_list_template = "admin/sheets/change_list.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actions is not None:
            self.actions = [*self.actions, "export_selected"]

    def sheet_class(self) -> type[SheetResource]:
        return sheet_resource(self.sheet_kind)

    def get_resource_classes(self, request: HttpRequest) -> list[type[SheetResource]]:
        return [self.sheet_class()]

    def get_resource_kwargs(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        return {"user": request.user}

    # --- permissions: the sheet's own ---

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, SheetResource.check_import_permission)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, SheetResource.check_export_permission)

    def _allowed(self, request: HttpRequest, check: Callable[[SheetResource], None]) -> bool:
        try:
            check(self.sheet_class()(user=request.user))
        except PermissionDenied:
            return False
        return True

    # --- import ---

    def get_urls(self) -> list[URLPattern | URLResolver]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "sheet-template/",
                self.admin_site.admin_view(self.sheet_template_view),
                name="%s_%s_sheet_template" % info,
            ),
            *super().get_urls(),
        ]

    def sheet_template_view(self, request: HttpRequest) -> HttpResponse:
        """The blank .xlsx of this sheet, with drop-down lists for its vocabularies."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.sheet_class()(user=request.user)
        response = HttpResponse(write_template(resource), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{resource.sheet_title}-模板.xlsx"
        )
        return response

    def get_import_context_data(self, **kwargs: Any) -> dict[str, Any]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return {
            **super().get_import_context_data(**kwargs),
            "sheet_title": self.sheet_class().sheet_title,
            "template_url": reverse("admin:%s_%s_sheet_template" % info),
            "preview_rows": self.preview_rows,
            "working_check": _("Checking every row of the file… a large sheet takes a while."),
            "working_confirm": _("Importing… a large sheet takes a while."),
        }

    def add_data_read_fail_error_to_form(self, form: Form, e: Exception) -> None:
        if isinstance(e, SheetFileError):  # our own words: what is wrong with the file
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result: SheetResult, request: HttpRequest) -> HttpResponseRedirect:
        """After the confirm: the counts, or (if the register changed since the preview)
        every refusal, and nothing written."""
        info = self.model._meta.app_label, self.model._meta.model_name
        if result.errors:
            shown = "；".join(str(error) for error in result.errors[:20])
            messages.error(
                request,
                _("Nothing was imported. Errors: %(count)d. %(errors)s")
                % {"count": len(result.errors), "errors": shown},
            )
            return HttpResponseRedirect(reverse("admin:%s_%s_import" % info))
        messages.success(
            request,
            _("%(sheet)s imported: %(summary)s")
            % {"sheet": self.sheet_class().sheet_title, "summary": result.summary()},
        )
        return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info))

    # --- the background path (settings.RELIEF_SHEET_JOBS; the jobs app) ---

    def sheet_jobs(self) -> Any:
        """The hook that turns a large import or export into a job, or None."""
        hook = getattr(settings, "RELIEF_SHEET_JOBS", "")
        return import_string(hook)(self) if hook else None

    # --- export ---

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
    ) -> bytes:
        """The sheet's own export: scope, masking, formula escaping, one log entry."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource = self.sheet_class()(user=request.user)
        buffer = io.BytesIO()
        name = self.get_export_filename(request, queryset, file_format)
        with replica_reads():  # an export may read a replica (reliefsite.routers)
            resource.write_export(buffer, name, queryset=queryset)
        return buffer.getvalue()

    def get_export_filename(
        self, request: HttpRequest, queryset: QuerySet[Any], file_format: Any
    ) -> str:
        day = timezone.localdate().strftime("%Y%m%d")
        return f"{self.sheet_class().sheet_title}-{day}.{file_format.get_extension()}"

    def _do_file_export(
        self,
        file_format: Any,
        request: HttpRequest,
        queryset: QuerySet[Any],
        export_form: Form | None = None,
    ) -> HttpResponse:
        # A large export becomes a background job (settings.RELIEF_SHEET_JOBS: the jobs app).
        jobs = self.sheet_jobs()
        if jobs is not None and self.has_export_permission(request):
            name = self.get_export_filename(request, queryset, file_format)
            background = jobs.export(request, queryset, name)
            if background is not None:
                return background
        response = super()._do_file_export(file_format, request, queryset, export_form)
        # A Chinese file name needs RFC 6266's filename*= to reach the browser intact.
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format)
        )
        return response

    def get_valid_export_item_pks(self, request: HttpRequest) -> QuerySet[Any, Any]:
        """Ids posted by "export selected": valid only where the user may see them."""
        posted = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return self.get_queryset(request).filter(pk__in=posted).values_list("pk", flat=True)

    @admin.action(
        description=gettext_lazy("Export selected %(verbose_name_plural)s"), permissions=["export"]
    )
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> TemplateResponse:
        """The export page for the ticked rows (the queryset is already scoped)."""
        formats = self.get_export_formats()
        items = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        form = self.get_export_form_class()(
            formats, self.get_export_resource_classes(request), initial={"export_items": items}
        )
        form.fields["export_items"] = MultipleChoiceField(
            widget=MultipleHiddenInput, required=False, choices=[(pk, pk) for pk in items]
        )
        context = self.init_request_context_data(request, form)
        info = self.model._meta.app_label, self.model._meta.model_name
        context["export_url"] = reverse("admin:%s_%s_export" % info)
        return TemplateResponse(request, self.export_template_name, context)
