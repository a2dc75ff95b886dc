"""Report, bulletin and audit pages inside the admin site (its login, look, permissions)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Activity, Campaign, Case
from core.money import ZERO, format_yuan
from funds.models import Disbursement
from reports import audit
from reports.charts import bar_chart, share_chart
from reports.filters import DisbursementReportFilter
from reports.pdf import PdfUnavailable, pdf_response, pdf_unavailable_reason
from reports.selectors import GROUPINGS, report_summary, summary
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


def summary_view(request, admin_site):
    _require(request, "reports.view_reports")
    filterset = report_queryset(request.user, request.GET)
    by = request.GET.get("by") if request.GET.get("by") in GROUPINGS else "unit,category"
    result = report_summary(filterset, by)
    if request.GET.get("format") == XLSX:
        return xlsx_response(
            f"帮扶统计-{timezone.localdate():%Y%m%d}.xlsx",
            _("Summary"),
            result.headers(),
            result.table(),
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
    _require(request, "reports.view_reports")
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


def campaign_paragraphs(campaign: Campaign, user) -> list[dict]:
    """Per district, the bulletin's sentences: each outing (routes of one day and title
    together, as in "分四路"), its leaders and places, households reached and money paid;
    then the district's totals. A handful of queries whatever the campaign's size."""
    names = audit.district_names()
    activities = (
        Activity.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("unit")
        .annotate(people=Count("cases", distinct=True))
        .order_by("unit__tree_path", "held_on", "route_label")
    )
    paid = {
        row["activity"]: row
        for row in Disbursement.objects.for_user_listed(user)
        .filter(campaign=campaign, is_reversed=False, activity__isnull=False)
        .values("activity")
        .annotate(
            cash=Coalesce(Sum("cash_amount"), Value(ZERO), output_field=MONEY),
            goods=Coalesce(Sum(F("quantity") * F("unit_value")), Value(ZERO), output_field=MONEY),
        )
        .order_by()
    }
    outings: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for activity in activities:
        district = names.get(activity.unit.tree_path[: audit.DISTRICT_PATH_LENGTH], "")
        key = (activity.held_on, activity.title)
        outing = outings[district].setdefault(
            key,
            {
                "held_on": activity.held_on,
                "title": activity.title,
                "kind": activity.get_kind_display(),
                "leaders": activity.leaders,
                "places": [],
                "routes": 0,
                "people": 0,
                "cash": ZERO,
                "goods": ZERO,
            },
        )
        outing["routes"] += 1 if activity.route_label else 0
        outing["people"] += activity.people
        if activity.places and activity.places not in outing["places"]:
            outing["places"].append(activity.places)
        money = paid.get(activity.pk)
        if money:
            outing["cash"] += money["cash"]
            outing["goods"] += money["goods"]
    reached = dict(
        Case.objects.for_user_listed(user)
        .filter(activities__campaign=campaign)
        .annotate(district_path=Substr("unit__tree_path", 1, audit.DISTRICT_PATH_LENGTH))
        .values("district_path")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("district_path", "n")
    )
    money = {
        row.unit: row
        for row in summary(
            Disbursement.objects.for_user_listed(user).filter(campaign=campaign), "unit"
        ).rows
    }
    paragraphs = []
    for path, district in sorted((p, n) for p, n in names.items() if n in outings):
        row = money.get(district)
        lines = []
        for outing in outings[district].values():
            outing["places"] = "、".join(outing["places"])
            outing["cash_text"] = format_yuan(outing["cash"])
            outing["goods_text"] = format_yuan(outing["goods"])
            lines.append(outing)
        paragraphs.append(
            {
                "district": district,
                "outings": lines,
                "people": reached.get(path, 0),
                "aided": row.people if row else 0,
                "disbursements": row.disbursements if row else 0,
                "cash": format_yuan(row.cash if row else ZERO),
                "goods": format_yuan(row.goods if row else ZERO),
                "total": format_yuan(row.total if row else ZERO),
            }
        )
    return paragraphs


def audit_view(request, admin_site):
    _require(request, "reports.run_audit")
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
