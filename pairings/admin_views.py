"""The agreement's own admin pages: record a payment (记录支付) and the signed document.

``AgreementAdmin.get_urls`` declares them (``adminkit.urls.page_urls``); both fetch the
agreement through the admin's scoped ``get_object``, so an agreement outside the user's
units answers exactly as a missing one.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext

from adminkit.errors import add_service_errors
from adminkit.pages import form_page
from adminkit.urls import admin_url
from core.money import format_yuan
from pairings.forms import PAYMENT_ERROR_FIELDS, PaymentForm, beneficiary_label
from pairings.models import AgreementStatus
from pairings.permissions import ADD_AGREEMENT_PAYMENT
from pairings.services import agreement_payment_record


def standard(agreement) -> str:
    """What the sponsor committed to: "800.00 yuan, per month"."""
    return gettext("%(amount)s yuan, %(period)s") % {
        "amount": format_yuan(agreement.amount),
        "period": agreement.get_period_display(),
    }


def status_label(agreement) -> str:
    return AgreementStatus(agreement.effective_status).label


def may_record_payment(model_admin, request, agreement) -> bool:
    return (
        agreement.status == AgreementStatus.ACTIVE  # also past its end, for late entries
        and request.user.has_perm(ADD_AGREEMENT_PAYMENT)
        and model_admin.has_change_permission(request, agreement)
    )


def record_payment_view(model_admin, request, object_id):
    """记录支付: a payment to one beneficiary, through ``agreement_payment_record``."""
    agreement = model_admin.get_object(request, unquote(object_id))
    if agreement is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not (
        request.user.has_perm(ADD_AGREEMENT_PAYMENT)
        and model_admin.has_change_permission(request, agreement)
    ):
        raise PermissionDenied
    form = PaymentForm(
        request.POST if request.method == "POST" else None,
        agreement=agreement,
        user=request.user,
    )
    if form.is_bound and form.is_valid():
        try:
            payment = agreement_payment_record(**form.service_kwargs(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error, rename=PAYMENT_ERROR_FIELDS)
        else:
            model_admin.message_user(
                request,
                gettext("Payment of %(amount)s yuan to %(name)s recorded.")
                % {
                    "amount": format_yuan(payment.disbursement.cash_amount),
                    "name": beneficiary_label(payment.beneficiary),
                },
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                admin_url(agreement, "change", site=model_admin.admin_site.name)
            )
    return form_page(
        model_admin,
        request,
        form,
        title=gettext("Record a payment"),
        intro=" · ".join(
            [
                agreement.sponsor.name,
                agreement.unit.name,
                standard(agreement),
                str(status_label(agreement)),
            ]
        ),  # fmt: skip
        submit_label=gettext("Record a payment"),
        subtitle=str(agreement),
        original=agreement,
    )


def document_view(model_admin, request, object_id):
    """The signed agreement, to users who may see the agreement (else 'missing')."""
    agreement = model_admin.get_object(request, unquote(object_id))
    if agreement is None or not model_admin.has_view_permission(request, agreement):
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not agreement.document:
        raise Http404
    return FileResponse(
        agreement.document.open("rb"),
        as_attachment=True,
        filename=os.path.basename(agreement.document.name),
    )
