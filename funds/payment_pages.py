"""A payment's own pages: 冲正 (reversal) from the disbursement, saying whose it is.

A disbursement paid from a fund is reversed by reversing its ledger entry
(``funds.services.entry_reverse``); this page does that from the payment itself, so the
head who corrects it sees the person, the date and the amount rather than a ledger line.
A payment that took nothing out of a fund (paid directly by a sponsor, donated goods)
has no entry to reverse and is not offered the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext

from adminkit.errors import add_service_errors
from adminkit.pages import form_page
from core.money import format_yuan
from funds.forms import ReverseForm
from funds.models import Disbursement
from funds.permissions import REVERSE_LEDGER_ENTRY
from funds.services import entry_reverse


def may_reverse(user, disbursement: Disbursement) -> bool:
    """Whether ``user`` is offered 冲正 on ``disbursement`` (already in their scope)."""
    return (
        user.has_perm(REVERSE_LEDGER_ENTRY)
        and disbursement.ledger_entry_id is not None
        and not disbursement.is_reversed
    )


def reverse_url(disbursement: Disbursement) -> str:
    return reverse("admin:funds_disbursement_reverse", args=[disbursement.pk])


class DisbursementReversalMixin:
    """Adds ``<pk>/reverse/`` to the disbursement admin (a ``MoneyAdmin``)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/reverse/",
                view(self.reverse_view),
                name="funds_disbursement_reverse",
            ),
            *super().get_urls(),
        ]

    def reverse_view(self, request, object_id):
        """冲正 of one payment: the reason is kept on the reversing ledger entry."""
        if not request.user.has_perm(REVERSE_LEDGER_ENTRY):
            raise PermissionDenied
        disbursement = self.get_object(request, unquote(object_id))
        if disbursement is None:  # missing or out of scope: the same answer
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        page = reverse("admin:funds_disbursement_change", args=[disbursement.pk])
        if not may_reverse(request.user, disbursement):
            self.message_user(
                request,
                gettext("This payment is already reversed.")
                if disbursement.is_reversed
                else gettext(
                    "This payment took nothing out of a fund, so there is no ledger entry "
                    "to reverse."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(page)
        form = ReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reversal = entry_reverse(
                    entry=disbursement.ledger_entry,
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error, rename={"notes": "reason"})
            else:
                self.log_addition(request, reversal, [{"added": {}}])
                self.message_user(
                    request,
                    gettext(
                        "Reversed the payment to %(name)s: %(amount)s yuan went back to %(fund)s."
                    )
                    % {
                        "name": disbursement.case.name,
                        "amount": format_yuan(reversal.amount),
                        "fund": reversal.fund,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(page)
        case = disbursement.case
        return form_page(
            self,
            request,
            form,
            title=gettext("Reverse the payment to %(name)s") % {"name": case.name},
            intro=gettext(
                "A posted payment is never changed or deleted. Reversing it puts the money "
                "back into its fund and marks the payment reversed; the reason is kept. "
                "To pay again, record a new payment."
            ),
            submit_label=gettext("Reverse"),
            cancel_url=page,
            table={
                "id": "reversed-payment",
                "headers": [
                    gettext("beneficiary"),
                    gettext("union unit"),
                    gettext("date"),
                    gettext("kind"),
                    gettext("amount (yuan)"),
                    gettext("fund"),
                    gettext("paying unit"),
                ],
                "rows": [
                    (
                        case.name,
                        case.unit.name,
                        disbursement.disbursed_on,
                        disbursement.get_kind_display(),
                        format_yuan(disbursement.fund_charge),
                        disbursement.fund,
                        disbursement.paying_unit.name,
                    )
                ],
            },
            original=disbursement,
        )
