"""The printed papers' pages (``reports.papers``): a visit's 签收表 and a person's 档案表.

Inside the admin site (its login and look). An activity or case outside the viewer's
scope answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Activity, Case
from cases.permissions import VIEW_CASE
from core.money import format_yuan
from funds.permissions import CHANGE_DISBURSEMENT
from funds.services import disbursements_sign_receipts
from reports.papers import activity_payments, case_file, signoff_sheet
from reports.pdf import PdfUnavailable, pdf_response, pdf_unavailable_reason

VIEW_ACTIVITY = "cases.view_activity"
# accesslog.models.Action.PRINT, by value: the log is optional here.
PRINT = "print"
VIEW_DISBURSEMENT = "funds.view_disbursement"


def record_access(request, action: str, objects, **details) -> None:
    """Note in the access log who printed whose personal data, where the log is installed
    (``accesslog``); a site without it prints all the same."""
    if not apps.is_installed("accesslog"):
        return
    from accesslog.services import record_access as record

    record(request, action, objects, **details)


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def _context(request, admin_site, title: str, **extra):
    return {**admin_site.each_context(request), "title": title, **extra}


def signoff_view(request, admin_site, activity_id):
    """签收表 of one activity: the page, its PDF (``?format=pdf``), and after the visit
    "all signed" for the whole route (POST ``_sign_all``)."""
    _require(request, VIEW_ACTIVITY, VIEW_DISBURSEMENT)
    activity = (
        Activity.objects.for_user(request.user)
        .select_related("campaign", "unit")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise Http404
    page_url = reverse("admin:reports_signoff", args=[activity.pk])
    if request.method == "POST" and "_sign_all" in request.POST:
        _require(request, CHANGE_DISBURSEMENT)
        signed = disbursements_sign_receipts(
            disbursements=activity_payments(activity, request.user), acting_user=request.user
        )
        messages.success(
            request,
            _("Receipts marked as signed for this activity: %(count)d.") % {"count": signed},
        )
        return HttpResponseRedirect(page_url)
    sheet = signoff_sheet(activity, request.user)
    context = {
        "activity": activity,
        "sheet": sheet,
        "total_cash": format_yuan(sheet.total.cash),
        "total_goods_value": format_yuan(sheet.total.goods_value),
        "printed_at": timezone.now(),
    }
    if request.GET.get("format") == "pdf":
        html = render_to_string("admin/reports/signoff_pdf.html", context, request=request)
        try:
            response = pdf_response(html, f"签收表-{activity.held_on}-{activity.title}.pdf")
        except PdfUnavailable as error:
            messages.error(request, str(error))
        else:
            record_access(
                request,
                PRINT,
                Case.objects.filter(pk__in=[row.case_id for row in sheet.rows]),
                paper="signoff_sheet",
                activity=activity.pk,
            )
            return response
    return render(
        request,
        "admin/reports/signoff.html",
        _context(
            request,
            admin_site,
            _("Sign-off sheet: %(activity)s") % {"activity": activity.title},
            **context,
            pdf_unavailable=pdf_unavailable_reason(),
            can_sign=request.user.has_perm(CHANGE_DISBURSEMENT) and sheet.unsigned > 0,
        ),
    )


def case_file_view(request, admin_site, case_id):
    """困难职工档案表 of one case, to print: full or masked ID numbers by role."""
    _require(request, VIEW_CASE)
    case = Case.objects.for_user(request.user).select_related("unit").filter(pk=case_id).first()
    if case is None:
        raise Http404
    file = case_file(case, request.user)
    record_access(request, PRINT, [case], paper="case_file", full_ids=file.full_ids)
    return render(
        request,
        "admin/reports/case_file.html",
        _context(
            request,
            admin_site,
            _("Hardship worker file: %(name)s") % {"name": case.name},
            file=file,
            case=case,
            total_cash=format_yuan(file.total_cash),
            total_goods=format_yuan(file.total_goods),
            total=format_yuan(file.total_cash + file.total_goods),
            printed_at=timezone.now(),
        ),
    )
