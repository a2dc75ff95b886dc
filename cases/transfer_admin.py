"""The admin side of 档案转接 (cases.transfers), kept apart from the case admin's
declarations.

- On the case list and a case's page: "transfer this file" for a head of the unit that
  holds it (a form page: the receiving unit from the whole tree, a reason), and for the
  city administrators "move the selected files" directly, in bulk (units merged).
- The transfers' own list and page (``CaseTransferAdmin``): each side sees what it needs
  to decide and no more — the person's name, the masked ID number, the category, the
  reason and the two units; never the file itself, whose page stays out of the receiving
  unit's scope until it accepts. The receiving unit's head decides on that page, the
  sending unit's head may withdraw there.
- On a case's page, its transfers (read-only inline), and its unit is not edited while
  one is pending.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from adminkit.actions import run_for_each
from adminkit.errors import add_service_errors, error_text
from adminkit.options import ReadOnlyInlineMixin, ReadOnlyMixin
from adminkit.pages import form_action
from adminkit.scope import ScopedAdmin, ScopedTabularInline, in_scope
from adminkit.urls import admin_url
from cases import transfers
from cases.filters import TransferSideFilter
from cases.forms import TransferDecisionForm, TransferStartForm
from cases.idsearch import IdSearchAdminMixin
from cases.models import CaseTransfer, TransferState
from cases.permissions import DECIDE_TRANSFER, MOVE_CASE, START_TRANSFER
from unions.querysets import visible_to

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object

BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


# --- on the case admin -----------------------------------------------------------------


class CaseTransferInline(ReadOnlyInlineMixin, ScopedTabularInline):
    """The file's transfers, on its page: where it came from, where it is asked to go."""

    model = CaseTransfer
    fields = ["state", "from_unit_name", "to_unit_name", "started_at", "decided_at"]
    show_change_link = True
    verbose_name_plural = _("transfers of this file")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_unit", "to_unit")

    # Names, not links: the other side's unit page is outside this user's scope.
    @admin.display(description=_("sending unit"))
    def from_unit_name(self, transfer):
        return transfer.from_unit.name

    @admin.display(description=_("receiving unit"))
    def to_unit_name(self, transfer):
        return transfer.to_unit.name


class TransferActionsMixin(_ModelAdmin):
    """Put before the admin base class of ``CaseAdmin``: adds the two actions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actions is not None:
            self.actions = [*self.actions, "start_transfers", "move_cases"]
        # On a case's page: a file already on its way is not offered again.
        self.action_applies = {
            **self.action_applies,
            "start_transfers": lambda case: transfers.pending_transfer_of(case) is None,
            "move_cases": lambda case: transfers.pending_transfer_of(case) is None,
        }

    def has_start_transfer_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(START_TRANSFER)

    def has_move_case_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(MOVE_CASE)

    @admin.action(
        description=_("Transfer this file to another unit"),
        description_plural=_("Transfer the selected files to another unit"),
        permissions=["start_transfer"],
        location=BOTH_LOCATIONS,
    )
    def start_transfers(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda case: transfers.transfer_start(
                    case=case,
                    to_unit=data["to_unit"],
                    reason=data["reason"],
                    acting_user=request.user,
                ),
                gettext("Transfers started: %(count)d. The receiving unit accepts or refuses."),
            )

        return form_action(
            self,
            request,
            queryset,
            TransferStartForm,
            run,
            title=gettext("Transfer files to another unit"),
            intro=gettext(
                "The receiving unit sees the name, the masked ID number, the category and "
                "the reason, and accepts or refuses. Until it accepts, the file stays "
                "with your unit."
            ),
            submit_label=gettext("Start the transfer"),
        )

    @admin.action(
        description=_("Move the selected files to another unit directly (city union)"),
        permissions=["move_case"],
        location=BOTH_LOCATIONS,
    )
    def move_cases(self, request, queryset):
        def run(data):
            unit = data["to_unit"]
            run_for_each(
                self,
                request,
                queryset,
                lambda case: transfers.case_move(
                    case=case, to_unit=unit, reason=data["reason"], acting_user=request.user
                ),
                lambda count: (
                    gettext("Files moved to %(unit)s: %(count)d.")
                    % {"unit": unit.name, "count": count}
                ),
            )

        return form_action(
            self,
            request,
            queryset,
            TransferStartForm,
            run,
            title=gettext("Move files to another unit"),
            intro=gettext(
                "The city union moves the files itself, e.g. when units merge: each file "
                "belongs to the receiving unit at once, with a transfer record. Payments, "
                "reviews and agreements keep the units that made them."
            ),
            submit_label=gettext("Move the files"),
        )


# --- the transfers' list and page ------------------------------------------------------


def may_decide(request, transfer: CaseTransfer) -> bool:
    user = request.user
    return (
        transfer.state == TransferState.PENDING
        and user.has_perm(DECIDE_TRANSFER)
        and transfer.started_by_id != user.pk
        and visible_to(transfer.to_unit, user)
    )


def may_withdraw(request, transfer: CaseTransfer) -> bool:
    user = request.user
    return (
        transfer.state == TransferState.PENDING
        and user.has_perm(START_TRANSFER)
        and in_scope(transfer.case, user)
    )


class CaseTransferAdmin(IdSearchAdminMixin, ReadOnlyMixin, ScopedAdmin):
    """Read-only to everyone; decided (or withdrawn) on its page, through the services."""

    revertible = False
    list_display = [
        "case_name",
        "id_number_masked",
        "case_category",
        "from_unit",
        "to_unit",
        "state",
        "started_at",
    ]
    list_display_links = ["case_name"]
    list_select_related = ["case", "from_unit", "to_unit"]
    list_filter = [TransferSideFilter, "state"]
    search_fields = ["case__name", "=case__id_number"]
    sensitive_fields = ("id_number", "birth_date")
    show_facets = admin.ShowFacets.NEVER
    fields = [
        "case_name",
        "id_number_masked",
        "case_category",
        "from_unit_name",
        "to_unit_name",
        "reason",
        "state",
        "direct",
        "started_by_name",
        "started_at",
        "decided_by_name",
        "decided_at",
        "refusal_reason",
    ]
    readonly_fields = fields
    change_form_template = "admin/cases/casetransfer/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("case", "from_unit", "to_unit", "started_by", "decided_by")
        )

    # What the receiving unit needs to decide, and no more of the file.

    @admin.display(description=_("full name"), ordering="case__name")
    def case_name(self, transfer):
        return transfer.case.name

    @admin.display(description=_("resident ID number"))
    def id_number_masked(self, transfer):
        return transfer.masked_id_number

    @admin.display(description=_("category"))
    def case_category(self, transfer):
        return transfer.case.get_category_display()

    @admin.display(description=_("sending unit"))
    def from_unit_name(self, transfer):
        return transfer.from_unit.name

    @admin.display(description=_("receiving unit"))
    def to_unit_name(self, transfer):
        return transfer.to_unit.name

    @admin.display(description=_("started by"))
    def started_by_name(self, transfer):
        return str(transfer.started_by)

    @admin.display(description=_("decided by"))
    def decided_by_name(self, transfer):
        return str(transfer.decided_by) if transfer.decided_by_id else "-"

    # --- the decision -------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        transfer = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if transfer is not None:
            if request.method == "POST" and "_withdraw" in request.POST:
                return self._withdraw(request, transfer)
            if may_decide(request, transfer):
                if request.method == "POST" and "_decide" in request.POST:
                    form = TransferDecisionForm(request.POST)
                    response = self._decide(request, transfer, form)
                    if response is not None:
                        return response
                    # Invalid input: the (read-only) page again, with the form's errors.
                    request = copy.copy(request)
                    request.method = "GET"
                else:
                    form = TransferDecisionForm()
                extra_context["decision_form"] = helpers.AdminForm(
                    form, [(_("decision"), {"fields": list(form.fields)})], {}
                )
                extra_context["decision_errors"] = helpers.AdminErrorList(form, [])
            extra_context["may_withdraw"] = may_withdraw(request, transfer)
            # Only whoever holds the file now reaches its page.
            extra_context["case_in_scope"] = in_scope(transfer.case, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, transfer, form):
        if not form.is_valid():
            return None
        try:
            if form.cleaned_data["decision"] == TransferDecisionForm.ACCEPT:
                transfers.transfer_accept(transfer=transfer, acting_user=request.user)
                message = gettext("Transfer accepted: %(name)s's file now belongs to %(unit)s.")
            else:
                transfers.transfer_refuse(
                    transfer=transfer,
                    reason=form.cleaned_data["refusal_reason"],
                    acting_user=request.user,
                )
                message = gettext("Transfer refused: the file stays with %(unit)s.")
        except ValidationError as error:
            add_service_errors(form, error)
            return None
        except PermissionDenied as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        transfer.refresh_from_db()
        unit = transfer.to_unit if transfer.state == TransferState.ACCEPTED else transfer.from_unit
        message = message % {"name": transfer.case.name, "unit": unit.name}
        self.log_change(request, transfer, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(admin_url(CaseTransfer, "changelist"))

    def _withdraw(self, request, transfer):
        try:
            transfers.transfer_cancel(transfer=transfer, acting_user=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        message = gettext("Transfer withdrawn: the file stays with your unit.")
        self.log_change(request, transfer, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(admin_url(transfer.case, "change"))
