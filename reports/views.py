"""Report, bulletin and audit pages inside the admin site (its login, look, permissions)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Campaign
from funds.models import Disbursement
from reports import audit
from reports.charts import bar_chart, share_chart
from reports.filters import DisbursementReportFilter
from reports.pdf import PdfUnavailable, pdf_response, pdf_unavailable_reason
from reports.permissions import RUN_AUDIT, VIEW_REPORTS
from reports.selectors import GROUPINGS, campaign_paragraphs, report_summary
from reports.xlsx import xlsx_response

XLSX = "xlsx"
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _context(request, admin_site, title: str, **extra):
    return {**admin_site.each_context(request), "title": title, **extra}


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def report_queryset(user, params):
    """Scoped disbursements with the report filters applied: page, xlsx and CLI share it."""
    disbursements = Disbursement.objects.for_user_listed(user).select_related(None)
    filterset = DisbursementReportFilter(params, queryset=disbursements, request=_Request(user))
    return filterset


class _Request:
    """django-filter hands the request to queryset callables; the CLI has only a user."""

    def __init__(self, user):
        self.user = user


def _filters_text(filterset) -> str:
    """The filters a report was made with, as one line: 筛选条件：帮扶活动：…；自：…"""
    form = filterset.form
    data = form.cleaned_data if form.is_valid() else {}
    parts = []
    for name, value in data.items():
        if value in (None, ""):
            continue
        choices = dict(getattr(form.fields[name], "choices", None) or [])
        shown = choices.get(value, value) if name in ("category", "kind") else value
        parts.append(f"{form.fields[name].label}：{shown}")
    if not parts:
        return _("Filters: none (every disbursement you may see).")
    return _("Filters: %(filters)s.") % {"filters": "；".join(parts)}


def summary_view(request, admin_site):
    _require(request, VIEW_REPORTS)
    filterset = report_queryset(request.user, request.GET)
    by = request.GET.get("by") if request.GET.get("by") in GROUPINGS else "unit,category"
    result = report_summary(filterset, by)
    if request.GET.get("format") == XLSX:
        return xlsx_response(
            f"帮扶统计-{timezone.localdate():%Y%m%d}.xlsx",
            _("Summary"),
            result.headers(),
            result.table(),
            heading=[
                _("Relief summary"),
                _filters_text(filterset),
                _("Made on %(date)s by %(user)s.")
                % {"date": timezone.localdate(), "user": request.user.get_username()},
            ],
        )
    by_unit = defaultdict(lambda: 0)
    by_category = defaultdict(lambda: 0)
    for row in result.rows:
        by_unit[row.unit or "—"] += row.total
        by_category[row.category or "—"] += row.total
    query = request.GET.copy()
    query["format"] = XLSX
    context = _context(
        request,
        admin_site,
        _("Relief summary"),
        filter=filterset,
        by=by,
        groupings=[
            ("unit", _("by unit")),
            ("category", _("by category")),
            ("unit,category", _("by unit and category")),
            ("type", _("by hardship type")),
            ("unit,type", _("by unit and hardship type")),
        ],
        summary=result,
        table=result.table(),
        headers=result.headers(),
        unit_chart=bar_chart(list(by_unit.items())) if "unit" in result.by else None,
        category_chart=share_chart(list(by_category.items())) if "category" in result.by else None,
        xlsx_query=query.urlencode(),
    )
    return render(request, "admin/reports/summary.html", context)


def bulletin_view(request, admin_site, campaign_id):
    """A printable bulletin for a campaign, written from the records."""
    _require(request, VIEW_REPORTS)
    campaign = Campaign.objects.for_user(request.user).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    paragraphs = campaign_paragraphs(campaign, request.user)
    if request.GET.get("format") == "pdf":
        html = render_to_string(
            "admin/reports/bulletin_pdf.html",
            {"campaign": campaign, "paragraphs": paragraphs, "printed_at": timezone.now()},
            request=request,
        )
        try:
            return pdf_response(html, f"{campaign.name}.pdf")
        except PdfUnavailable as error:
            messages.error(request, str(error))
    return render(
        request,
        "admin/reports/bulletin.html",
        _context(
            request,
            admin_site,
            campaign.name,
            campaign=campaign,
            paragraphs=paragraphs,
            pdf_unavailable=pdf_unavailable_reason(),
        ),
    )


def audit_view(request, admin_site):
    _require(request, RUN_AUDIT)
    code = request.GET.get("rule")
    rule = audit.RULES_BY_CODE.get(code) if code else None
    if rule is not None and request.GET.get("format") == XLSX:
        rows = [[f.district, f.summary, request.build_absolute_uri(f.url)]
                for f in audit.findings(rule, request.user, limit=None)]  # fmt: skip
        return xlsx_response(
            f"审计-{rule.code}-{timezone.localdate():%Y%m%d}.xlsx",
            str(rule.title),
            ["单位", "问题", "链接"],
            rows,
        )
    # The counts of every rule are for the page only: a download lists one rule.
    rules, table = audit.district_table(request.user)
    return render(
        request,
        "admin/reports/audit.html",
        _context(
            request,
            admin_site,
            _("City audit"),
            rules=rules,
            table=table,
            totals=[sum(counts[i] for _name, counts in table) for i in range(len(rules))],
            rule=rule,
            findings=audit.findings(rule, request.user) if rule else None,
        ),
    )


def summary_csv(summary_result) -> str:
    """The `reliefreport` CSV: headers, one row per group, then the 合计 row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(summary_result.headers())
    for row in summary_result.table():
        writer.writerow(row)
    return out.getvalue()
