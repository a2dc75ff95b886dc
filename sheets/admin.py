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
- the stock log writes one admin log entry per row: the sheet writes one per file;
- the stock preview leaves the uploaded file in the system temp folder until a confirm:
  here it waits in ``sheets.uploads`` (private, 0600) and goes on confirm, refusal,
  cancel (a button on the preview) or age; a forged or expired confirm is refused;
- an export with a filter the list rejects was a server error: it is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import (
    EmptyResultSet,
    FieldError,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db.models import QuerySet
from django.forms import Form, MultipleChoiceField, MultipleHiddenInput
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ExportForm

from core.replica import replica_reads
from sheets import (
    SheetCSV,
    SheetFileError,
    SheetResource,
    SheetResult,
    SheetXLS,
    SheetXLSX,
    sheet_resource,
    uploads,
    write_template,
)
from sheets.limits import file_too_large, upload_limits

# The session key of the export format a user chose last (the export page offers it).
EXPORT_FORMAT_KEY = "sheets_export_format"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The request of the import being handled: django-import-export asks for the pending
# upload's storage without it (``write_to_tmp_storage``), and the upload is the user's.
_import_request: contextvars.ContextVar[HttpRequest] = contextvars.ContextVar("import_request")


class _ListFilterRefused(Exception):
    """The export's query string is a filter the list itself refuses."""


class _PendingFile:
    """What django-import-export expects of its temp storage: a name and ``read``."""

    def __init__(self, token: str, user: Any) -> None:
        self.name = token
        self.user = user

    def read(self) -> bytes:
        return uploads.open(self.name, self.user).read()


def _check_upload_size(upload: Any) -> None:
    # A job's limit when large sheets go to jobs: the preview's reader refuses a file
    # over a request's limit that stays in the request (sheets.limits.upload_limit).
    limits = upload_limits()
    if upload is not None and upload.size > limits.upload_bytes:
        raise ValidationError(str(file_too_large(upload.size, limits)))


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
    import_formats = [SheetXLSX, SheetCSV, SheetXLS]
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
        # Asked five times by every list page (django-import-export's view and its
        # templates): answered once per request.
        answers = request.__dict__.setdefault("_sheet_permissions", {})
        key = (self.sheet_kind, check.__name__)
        if key not in answers:
            try:
                check(self.sheet_class().permission_probe(request.user))
            except PermissionDenied:
                answers[key] = False
            else:
                answers[key] = True
        return answers[key]

    # --- import ---

    def get_urls(self) -> list[URLPattern | URLResolver]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "sheet-template/",
                self.admin_site.admin_view(self.sheet_template_view),
                name="%s_%s_sheet_template" % info,
            ),
            path(
                "import/cancel/",
                self.admin_site.admin_view(self.cancel_import),
                name="%s_%s_cancel_import" % info,
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

    # --- the pending upload: sheets.uploads, never the system temp folder ---

    def create_import_form(self, request: HttpRequest) -> Form:
        form = super().create_import_form(request)
        form.fields["import_file"].validators.append(_check_upload_size)
        return form

    def write_to_tmp_storage(self, import_file: Any, input_format: Any) -> _PendingFile:
        request = _import_request.get()
        token = uploads.save(
            import_file, request.user, kind=self.sheet_kind, file_name=import_file.name
        )
        request._sheet_upload_token = token  # type: ignore[attr-defined]
        return _PendingFile(token, request.user)

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The upload and its preview; a file that is refused is deleted at once (only a
        preview that offers a confirm keeps it, until that confirm or its age)."""
        reset = _import_request.set(request)
        try:
            response = super().import_action(request, **kwargs)
        except BaseException:
            uploads.delete(getattr(request, "_sheet_upload_token", ""))
            raise
        finally:
            _import_request.reset(reset)
        token = getattr(request, "_sheet_upload_token", None)
        context = getattr(response, "context_data", None) or {}
        if token and not context.get("confirm_form"):
            uploads.delete(token)
        return response

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The confirm: the pending upload is read back (only its owner's, only while it
        is waiting), imported, and deleted whatever came of it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        info = self.model._meta.app_label, self.model._meta.model_name
        again = HttpResponseRedirect(reverse("admin:%s_%s_import" % info))
        confirm_form = self.create_confirm_form(request)
        pending = None
        try:
            if not confirm_form.is_valid():
                raise uploads.UploadGone()
            token = confirm_form.cleaned_data["import_file_name"]
            pending = uploads.open(token, request.user, kind=self.sheet_kind)
            formats = self.get_import_formats()
            index = confirm_form.cleaned_data["format"]
            if not str(index).isdigit() or int(index) >= len(formats):
                raise uploads.UploadGone()
            input_format = formats[int(index)](encoding=self.from_encoding)
            dataset = input_format.create_dataset(pending.read())
            result = self.process_dataset(
                dataset, confirm_form, request, file_name=pending.file_name, **kwargs
            )
        except SheetFileError as error:  # UploadGone is one
            messages.error(request, str(error))
            return again
        finally:
            if pending is not None:
                uploads.delete(pending.token)
        return self.process_result(result, request)

    def cancel_import(self, request: HttpRequest) -> HttpResponse:
        """The preview's cancel button: the pending upload is deleted."""
        if request.method != "POST":
            raise PermissionDenied
        if not self.has_import_permission(request):
            raise PermissionDenied
        info = self.model._meta.app_label, self.model._meta.model_name
        if uploads.delete_for(request.POST.get("import_file_name", ""), request.user):
            messages.info(request, _("Import cancelled: the uploaded file was deleted."))
        return HttpResponseRedirect(reverse("admin:%s_%s_import" % info))

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

    def get_import_form_kwargs(self, request: HttpRequest) -> dict[str, Any]:
        """The file's own format when the picker was left on "---": by its ending
        (.xlsx, .xls, .csv), so an upload never stops on a choice nobody made."""
        kwargs = super().get_import_form_kwargs(request)
        upload = request.FILES.get("import_file")
        data = kwargs.get("data")
        if data is not None and upload is not None and not data.get("format"):
            name = upload.name or ""
            ending = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            for index, file_format in enumerate(self.get_import_formats()):
                if file_format().get_extension() == ending:
                    data = data.copy()
                    data["format"] = str(index)
                    kwargs["data"] = data
                    break
        return kwargs

    # --- the background path (settings.RELIEF_SHEET_JOBS; the jobs app) ---

    def sheet_jobs(self) -> Any:
        """The hook that turns a large import or export into a job, or None."""
        hook = getattr(settings, "RELIEF_SHEET_JOBS", "")
        return import_string(hook)(self) if hook else None

    # --- export ---

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The list as filtered; a filter the list refuses (an unknown field, a lookup
        it does not allow, a value of the wrong type) refuses the export."""
        try:
            queryset = super().get_export_queryset(request)
            # A bad value surfaces when the SQL is built; a filter that matches nothing
            # (an empty subquery) is valid.
            with contextlib.suppress(EmptyResultSet):
                str(queryset.query)
        except (
            IncorrectLookupParameters,
            SuspiciousOperation,
            FieldError,
            ValidationError,
            ValueError,
            TypeError,
        ) as error:
            raise _ListFilterRefused() from error
        return queryset

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().export_action(request)
        except _ListFilterRefused:
            messages.error(
                request,
                _(
                    "Nothing was exported: the list cannot be filtered this way. Choose "
                    "the filters on the list, then export."
                ),
            )
            info = self.model._meta.app_label, self.model._meta.model_name
            return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info))

    def init_request_context_data(self, request: HttpRequest, form: Form) -> dict[str, Any]:
        # The export page offers the format this user chose last time.
        remembered = request.session.get(EXPORT_FORMAT_KEY)
        if not form.is_bound and remembered and "format" in form.fields:
            for index, file_format in enumerate(self.get_export_formats()):
                if file_format().get_extension() == remembered:
                    form.fields["format"].initial = str(index)
        return super().init_request_context_data(request, form)

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
        request.session[EXPORT_FORMAT_KEY] = file_format.get_extension()
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
