"""The ledger's own admin pages: allocate (拨款) and reverse (冲正).

Each collects input on the one form page (``adminkit.pages.form_page``) and calls the
service; a refusal from it comes back on the form. ``LedgerEntryAdmin.get_urls``
declares them (``adminkit.urls.page_urls``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from adminkit.errors import add_service_errors
from adminkit.pages import form_page
from adminkit.urls import admin_url
from core.money import format_yuan
from funds.forms import AllocationForm, ReverseForm
from funds.models import LedgerEntry
from funds.permissions import ALLOCATE_FUND, REVERSE_LEDGER_ENTRY
from funds.services import allocation_post, entry_reverse


def allocate_view(model_admin, request):
    """拨款 from one fund to a lower unit's fund (``funds.allocate_fund``)."""
    if not request.user.has_perm(ALLOCATE_FUND):
        raise PermissionDenied
    funds = model_admin.active_funds(request)
    form = AllocationForm(request.POST if request.method == "POST" else None, funds=funds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            out, received = allocation_post(
                from_fund=data["from_fund"],
                to_fund=data["to_fund"],
                amount=data["amount"],
                entry_date=data["entry_date"],
                notes=data["notes"],
                acting_user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            model_admin.log_addition(request, out, [{"added": {}}])
            model_admin.log_addition(request, received, [{"added": {}}])
            model_admin.message_user(
                request,
                gettext("Allocated %(amount)s yuan from %(from)s to %(to)s.")
                % {"amount": format_yuan(received.amount), "from": out.fund, "to": received.fund},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(admin_url(LedgerEntry, "changelist"))
    return form_page(
        model_admin,
        request,
        form,
        title=gettext("Allocate to a lower union"),
        intro=gettext(
            "The money leaves the giving fund and reaches the receiving fund in one "
            "posting: two ledger entries, linked to each other."
        ),
        submit_label=gettext("Allocate"),
    )


def reverse_view(model_admin, request, object_id):
    """冲正: post the opposite amount, with a reason (``funds.reverse_ledgerentry``)."""
    if not request.user.has_perm(REVERSE_LEDGER_ENTRY):
        raise PermissionDenied
    entry = model_admin.get_object(request, unquote(object_id))
    if entry is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if entry.other_half_hidden:
        raise PermissionDenied  # the giving unit reverses an allocation, not the receiver
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = entry_reverse(
                entry=entry, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error, rename={"notes": "reason"})
        else:
            model_admin.log_addition(request, reversal, [{"added": {}}])
            model_admin.message_user(
                request,
                gettext("Reversed: %(entry)s. The balance of %(fund)s is %(balance)s yuan.")
                % {
                    "entry": entry,
                    "fund": reversal.fund,
                    "balance": format_yuan(reversal.balance_after),
                },
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                admin_url(LedgerEntry, "changelist", fund__id__exact=entry.fund_id)
            )
    pair = [entry]
    other = entry.counterpart or LedgerEntry.objects.filter(counterpart=entry).first()
    if other is not None:
        pair.append(other)
    return form_page(
        model_admin,
        request,
        form,
        title=gettext("Reverse a ledger entry"),
        intro=gettext(
            "A posted entry is never changed or deleted. Reversing it posts the opposite "
            "amount, linked to it; reversing one side of an allocation reverses both sides."
        ),
        submit_label=gettext("Reverse"),
        cancel_url=admin_url(LedgerEntry, "changelist"),
        table={
            "id": "reversed-entries",
            "headers": [
                gettext("ledger entry"),
                gettext("fund"),
                gettext("kind"),
                gettext("amount (yuan)"),
                gettext("reversal (yuan)"),
            ],
            "rows": [
                (
                    e.entry_date,
                    e.fund,
                    e.get_kind_display(),
                    format_yuan(e.amount),
                    format_yuan(-e.amount),
                )
                for e in pair
            ],  # fmt: skip
        },
        original=entry,
    )
