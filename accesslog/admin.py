"""The access log and the admin's change log, read-only, each in the reader's scope.

City auditors read every entry; a unit's head reads the accesses that touched records
of their units (``AccessRecordQuerySet.for_user``), and the change-log entries about
those records or made by their staff (``change_log_for``). Searching by an ID number
finds every access to that person (``records_about_id_number``); such a search is itself
limited and logged like the register's, since the log would otherwise tell whether a
number belongs to someone.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from accesslog.models import AccessRecord, Action, sees_whole_log
from accesslog.services import (
    _ID_NUMBER,
    id_search_limit_message,
    id_searches_left,
    mask_text,
    record_access,
    records_about_id_number,
)
from adminkit.options import ReadOnlyMixin
from adminkit.scope import ScopedAdmin, is_scoped_model, scoped_queryset
from adminkit.searchtokens import TokenSearchMixin
from unions.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 100_000
TARGETS_SHOWN = 200


def _local(when) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S}"


# What the details of an entry are called, in the words of the log's readers.
DETAIL_LABELS = {
    "version": gettext_lazy("version"),
    "paper": gettext_lazy("paper"),
    "full_ids": gettext_lazy("full ID numbers"),
    "activity": gettext_lazy("visit"),
    "sheet": gettext_lazy("sheet"),
    "file_name": gettext_lazy("file name"),
    "rows": gettext_lazy("rows"),
    "filters": gettext_lazy("filters"),
    "id_numbers": gettext_lazy("ID numbers"),
    "list": gettext_lazy("list"),
    "years": gettext_lazy("years"),
    "cutoff": gettext_lazy("exited before"),
    "removed_cases": gettext_lazy("deleted cases"),
}
DETAIL_VALUES = {
    "case_file": gettext_lazy("case file (档案表)"),
    "signoff_sheet": gettext_lazy("sign-off sheet (签收表)"),
    "access log": gettext_lazy("access log"),
}


def _detail_value(value: Any) -> str:
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, dict):
        return "，".join(f"{key}={_detail_value(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list):
        return "、".join(_detail_value(item) for item in value)
    if isinstance(value, str) and value in DETAIL_VALUES:
        return str(DETAIL_VALUES[value])
    return str(value)


def _details_text(record: AccessRecord) -> str:
    """The details as "label：value" pairs (the stored JSON keeps the codes)."""
    return "；".join(
        f"{DETAIL_LABELS.get(key, key)}：{_detail_value(value)}"
        for key, value in sorted((record.details or {}).items())
    )


@admin.register(AccessRecord)
class AccessRecordAdmin(TokenSearchMixin, ReadOnlyMixin, ScopedAdmin):
    list_display = ["local_time", "user", "action", "count", "summary", "client_ip"]
    list_display_links = ["local_time"]
    list_select_related = ["user"]
    list_filter = ["action", "user"]
    date_hierarchy = "at"
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    search_help_text = _("An ID number finds every access to that person; a name, a user.")
    show_facets = admin.ShowFacets.NEVER
    fields = [
        "local_time",
        "user",
        "action",
        "page",
        "client_ip",
        "request_number",
        "count",
        "details_text",
        "records",
    ]
    readonly_fields = fields
    change_list_template = "admin/accesslog/accessrecord/change_list.html"

    def sensitive_search(self, term: str) -> bool:
        return bool(_ID_NUMBER.search(term))

    def get_search_results(self, request, queryset, search_term):
        about = records_about_id_number(search_term)
        if about is None:
            return super().get_search_results(request, queryset, search_term)
        number, records = about
        if id_searches_left(request.user) < 1:
            record_access(request, Action.SEARCH_ID_REFUSED, id_numbers=[number])
            messages.error(request, id_search_limit_message())
            return queryset.none(), False
        record_access(request, Action.SEARCH_ID, id_numbers=[number], list="access log")
        return queryset.filter(pk__in=records.values("pk")), False

    @admin.display(description=_("time"), ordering="at")
    def local_time(self, record):
        return _local(record.at)

    @admin.display(description=_("details"))
    def summary(self, record):
        text = _details_text(record)
        return text if len(text) <= 120 else text[:119] + "…"

    # The page's address and the request's number are data (<bdi>, as Django marks what
    # people typed), not the page's words.
    @admin.display(description=_("page"))
    def page(self, record):
        return format_html("<bdi>{}</bdi>", record.path) if record.path else "-"

    @admin.display(description=_("request number"))
    def request_number(self, record):
        return format_html("<bdi>{}</bdi>", record.request_id) if record.request_id else "-"

    @admin.display(description=_("details"))
    def details_text(self, record):
        return _details_text(record) or "-"

    @admin.display(description=_("records touched"))
    def records(self, record):
        targets = list(
            record.targets.select_related("content_type", "unit").order_by("pk")[:TARGETS_SHOWN]
        )
        rows = []
        for target in targets:
            if target.content_type_id is None:
                rows.append((gettext("an ID number searched for"), "", ""))
            else:
                model = target.content_type.model_class()
                label = model._meta.verbose_name if model else target.content_type.model
                rows.append((label, f"#{target.object_id}", target.unit or ""))
        more = record.count - len(targets) if record.count > len(targets) else 0
        html = format_html_join("", "<div>{} {} {}</div>", rows)
        if more:
            html += gettext("… and %(count)d more.") % {"count": more}
        return html or "-"

    def history_view(self, request, object_id, extra_context=None):
        # The log keeps no history of itself (it never changes): Django's plain page.
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    # --- export to .xlsx ---------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="accesslog_accessrecord_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The filtered list as .xlsx (at most EXPORT_LIMIT rows, newest first)."""
        from sheets.xlsx import write_xlsx

        if not self.has_view_permission(request):
            raise PermissionDenied
        cl = self.get_changelist_instance(request)
        records = cl.queryset.select_related("user")[:EXPORT_LIMIT]
        headers = ["时间", "用户", "操作", "记录数", "页面", "客户端IP", "请求编号", "详情"]
        rows = (
            [
                _local(r.at),
                r.user.username if r.user else "",
                str(r.get_action_display()),
                r.count,
                r.path,
                r.client_ip or "",
                r.request_id,
                _details_text(r),
            ]
            for r in records.iterator(chunk_size=2000)
        )
        buffer = io.BytesIO()
        write_xlsx(buffer, headers, rows, "访问日志", text_columns=[5, 6])
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        name = f"访问日志-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


# --- the admin's own change log (LogEntry) ---------------------------------------------


def change_log_for(user, queryset):
    """Entries a user may read: all for city roles; otherwise those made by staff of
    their units, or about a record in their scope (imports and exports name no record:
    they are their maker's)."""
    if sees_whole_log(user):
        return queryset
    visible = Q(user__in=User.objects.for_user(user).values("pk"))
    for model in admin.site._registry:
        if not is_scoped_model(model) or model is AccessRecord:
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        keys = (
            scoped_queryset(model, user)
            .annotate(key_text=Cast("pk", CharField()))
            .values("key_text")
        )
        visible |= Q(content_type=content_type, object_id__in=keys)
    return queryset.filter(visible)


@admin.register(LogEntry)
class ChangeLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who imported, exported, added and changed what (Django's admin log), read-only."""

    list_display = ["local_time", "user", "content_type", "object_repr", "action_flag", "message"]
    list_display_links = ["local_time"]
    list_select_related = ["user", "content_type"]
    list_filter = ["action_flag", "content_type"]
    date_hierarchy = "action_time"
    search_fields = ["object_repr", "change_message", "user__username"]
    show_facets = admin.ShowFacets.NEVER
    fields = [
        "local_time",
        "user",
        "content_type",
        "object_id",
        "object_repr",
        "action_flag",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return change_log_for(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())

    @admin.display(description=_("time"), ordering="action_time")
    def local_time(self, entry):
        return _local(entry.action_time)

    @admin.display(description=_("change message"))
    def message(self, entry):
        return mask_text(entry.get_change_message())
