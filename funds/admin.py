"""Admin for funds, their ledgers and disbursements.

Money moves only through :mod:`funds.services`: the "money in", "allocate", "reverse"
and "post disbursement" pages collect input and call the service, and a refusal from
it (an overdraw, a case not on file) comes back on the form. Posted ledger entries are
read-only for everyone; nothing here can be deleted, superusers included.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from adminkit.options import ServiceAddMixin
from adminkit.scope import (
    ScopedAdmin,
    ScopedRelatedFieldListFilter,
    in_scope,
    scoped_queryset,
)
from adminkit.urls import admin_url, page_urls
from cases.idsearch import IdSearchAdminMixin
from cases.models import Case
from cases.permissions import VERIFY_CASE
from core.money import format_yuan
from funds.admin_views import allocate_view, reverse_view
from funds.forms import ApproverDisbursementPostForm, DisbursementPostForm, FundForm, IncomeForm
from funds.models import Disbursement, EntryKind, Fund, LedgerEntry
from funds.payment_pages import DisbursementReversalMixin
from funds.permissions import ALLOCATE_FUND, REVERSE_LEDGER_ENTRY
from funds.selectors import disbursement_totals, years_paid
from funds.services import disbursement_post, disbursements_sign_receipts, income_post
from sheets.admin import SheetAdminMixin

RECENT_ENTRIES = 20


def yuan(value) -> str:
    return format_yuan(value) if value is not None else "-"


def entry_link(entry: LedgerEntry | None, viewer) -> str:
    """A link to ``entry``, or a dash when there is none or ``viewer`` may not see it."""
    if entry is None or not in_scope(entry, viewer):
        return "-"
    return format_html('<a href="{}">{}</a>', admin_url(entry, "change"), entry)


class MoneyAdmin(ServiceAddMixin, ScopedAdmin):
    """Shared rules: no deletes for anyone, no revert of past versions."""

    # Restoring an old version would bypass the services; viewing it is fine.
    revertible = False

    def has_delete_permission(self, request, obj=None):
        # Money records are corrected by reversal, never removed (superusers included).
        return False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # Read-only fields link to related entries only when the viewer may see them.
            obj._viewer = request.user
        return obj

    def active_funds(self, request):
        return scoped_queryset(Fund, request.user).filter(is_active=True).select_related("unit")


@admin.register(Fund)
class FundAdmin(MoneyAdmin):
    form = FundForm
    list_display = ["name", "unit", "kind", "balance_yuan", "is_active", "ledger_link"]
    list_display_links = ["name"]
    list_filter = ["unit", "kind", "is_active"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name"]
    readonly_fields = ["balance_yuan", "recent_entries"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["unit", "name", "kind", "is_active", "notes"]
        return ["unit", "name", "kind", "balance_yuan", "is_active", "notes", "recent_entries"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a fund with a ledger to another unit would move its money with it.
        return [*self.readonly_fields, "unit"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if change:
            # Never write ``balance`` from this copy: a posting may have moved it since
            # the page was loaded, and only funds.services changes it.
            obj.save(update_fields=[name for name in form.fields if name != "unit"])
        else:
            obj.save()

    @admin.display(description=_("balance (yuan)"), ordering="balance")
    def balance_yuan(self, obj):
        return yuan(obj.balance)

    @admin.display(description=_("ledger"))
    def ledger_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            admin_url(LedgerEntry, "changelist", fund__id__exact=obj.pk),
            gettext("ledger"),
        )

    @admin.display(description=_("latest ledger entries"))
    def recent_entries(self, obj):
        entries = LedgerEntry.objects.filter(fund=obj).select_related("posted_by")
        return render_to_string(
            "admin/funds/fund/recent_entries.html",
            {
                "entries": entries[:RECENT_ENTRIES],
                "ledger_url": admin_url(LedgerEntry, "changelist", fund__id__exact=obj.pk),
            },
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(SheetAdminMixin, MoneyAdmin):
    sheet_kind = "ledger"
    form = IncomeForm
    list_display = [
        "entry_date",
        "fund",
        "kind",
        "amount_yuan",
        "balance_after_yuan",
        "source",
        "posted_by",
        "reverse_link",
    ]
    list_display_links = ["entry_date"]
    # ScopedAdmin scopes plain relations itself; a path through a relation needs saying.
    list_filter = ["fund", "kind", ("fund__unit", ScopedRelatedFieldListFilter)]
    list_select_related = ["fund__unit", "posted_by"]
    date_hierarchy = "entry_date"
    search_fields = ["source", "notes", "fund__name"]
    readonly_fields = [
        "amount_yuan",
        "balance_after_yuan",
        "counterpart_link",
        "reverses_link",
        "reversed_by_link",
    ]
    change_form_template = "admin/funds/ledgerentry/change_form.html"
    change_list_template = "admin/funds/ledgerentry/change_list.html"

    def get_fields(self, request, obj=None):
        if obj is None:  # the "money in" form
            return ["fund", "kind", "entry_date", "amount", "source", "source_unit", "notes"]
        return [
            "fund",
            "kind",
            "entry_date",
            "amount_yuan",
            "balance_after_yuan",
            "source",
            "source_unit",
            "counterpart_link",
            "reverses_link",
            "reversed_by_link",
            "notes",
            "posted_by",
            "posted_at",
        ]

    def get_queryset(self, request):
        reversal = LedgerEntry.objects.filter(reverses=OuterRef("pk"))
        # The other half of an allocation, when it lies in a fund the user may not see.
        other_half_hidden = LedgerEntry.objects.filter(
            Q(counterpart=OuterRef("pk")) | Q(pk=OuterRef("counterpart"))
        ).exclude(pk__in=LedgerEntry.objects.for_user(request.user).values("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(has_reversal=Exists(reversal), other_half_hidden=Exists(other_half_hidden))
        )

    def has_change_permission(self, request, obj=None):
        return False  # posted entries are permanent: a mistake is reversed

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:  # the read-only view of a posted entry
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "fund":
            kwargs["queryset"] = self.active_funds(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"entry_date": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def post_through_service(self, request, form):
        return income_post(**form.service_kwargs(), acting_user=request.user)

    # --- columns and read-only fields ------------------------------------------------

    @admin.display(description=_("amount (yuan)"), ordering="amount")
    def amount_yuan(self, obj):
        return yuan(obj.amount)

    @admin.display(description=_("balance after (yuan)"))
    def balance_after_yuan(self, obj):
        return yuan(obj.balance_after)

    @admin.display(description=_("other side of the allocation"))
    def counterpart_link(self, obj):
        other = obj.counterpart or LedgerEntry.objects.filter(counterpart=obj).first()
        return entry_link(other, getattr(obj, "_viewer", None))

    @admin.display(description=_("reverses"))
    def reverses_link(self, obj):
        return entry_link(obj.reverses, getattr(obj, "_viewer", None))

    @admin.display(description=_("reversed by"))
    def reversed_by_link(self, obj):
        return entry_link(
            LedgerEntry.objects.filter(reverses=obj).first(), getattr(obj, "_viewer", None)
        )

    @admin.display(description=_("correction"))
    def reverse_link(self, obj):
        if not self._reversible(obj):
            return ""
        url = admin_url(obj, "reverse")
        return format_html('<a href="{}">{}</a>', url, gettext("reverse"))

    def get_list_display(self, request):
        display = list(super().get_list_display(request))
        if not request.user.has_perm(REVERSE_LEDGER_ENTRY):
            display.remove("reverse_link")
        return display

    @staticmethod
    def _reversible(entry) -> bool:
        """Not a reversal, not reversed yet, and (for an allocation) both halves in scope.

        Reversing one half of an allocation reverses the other, so a district may not undo
        the city's posting from its own side (get_queryset annotates both flags).
        """
        return (
            entry.kind != EntryKind.REVERSAL
            and not entry.has_reversal
            and not entry.other_half_hidden
        )

    # --- pages -----------------------------------------------------------------------

    def get_urls(self):
        return [
            *page_urls(
                self,
                ("allocate/", allocate_view, "allocate"),
                ("<path:object_id>/reverse/", reverse_view, "reverse"),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_allocate": request.user.has_perm(ALLOCATE_FUND),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        can_reverse = (
            obj is not None
            and request.user.has_perm(REVERSE_LEDGER_ENTRY)
            and self._reversible(obj)
        )
        extra_context = {"can_reverse": can_reverse, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Disbursement)
class DisbursementAdmin(
    DisbursementReversalMixin, IdSearchAdminMixin, SheetAdminMixin, MoneyAdmin
):
    sheet_kind = "disbursements"
    form = DisbursementPostForm
    list_display = [
        "disbursed_on",
        "case_name",
        "kind",
        "cash_amount_yuan",
        "goods_yuan",
        "fund",
        "paying_unit",
        "activity",
        "receipt_signed",
        "is_reversed",
    ]
    list_display_links = ["disbursed_on", "case_name"]
    list_filter = ["paying_unit", "fund", "campaign", "kind", "receipt_signed", "is_reversed"]
    list_select_related = ["case", "fund__unit", "paying_unit", "activity"]
    date_hierarchy = "disbursed_on"
    # A whole ID number finds the person's aid (limited and logged: cases.idsearch).
    search_fields = ["case__name", "=case__id_number"]
    sensitive_fields = ("id_number",)
    actions = ["mark_receipt_signed"]
    change_list_template = "admin/funds/disbursement/change_list.html"
    # Both related admins search (CaseAdmin, ActivityAdmin); choices stay scoped because
    # the autocomplete view asks those admins' get_queryset.
    autocomplete_fields = ["case", "activity"]

    POST_FIELDS = DisbursementPostForm._meta.fields

    def get_queryset(self, request):
        return super().get_queryset(request).with_values()

    def date_hierarchy_years(self, request) -> list[int]:
        # The years of aid in the user's scope from the stored breakdown (adminkit.dates).
        return years_paid(request.user)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = list(self.POST_FIELDS)
            if self._is_approver(request):
                fields.append("confirm_unverified")
            return [(None, {"fields": fields})]
        shown = [
            name if name not in ("cash_amount", "unit_value") else f"{name}_yuan"
            for name in self.POST_FIELDS
        ]
        return [(None, {"fields": [*shown, "ledger_entry_link", "is_reversed", "posted_by"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            name
            for name in flatten_fieldsets(self.get_fieldsets(request, obj))
            if name not in Disbursement.EDITABLE_AFTER_POSTING
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            approver = self._is_approver(request)
            kwargs["form"] = ApproverDisbursementPostForm if approver else DisbursementPostForm
        else:  # a posted disbursement: only the receipt and the notes stay editable
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "fund":
            kwargs["queryset"] = self.active_funds(request)
        elif db_field.name == "case":
            kwargs["queryset"] = scoped_queryset(Case, request.user).select_related("unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        user = request.user
        return {
            "disbursed_on": timezone.localdate(),
            "handled_by": f"{user.last_name}{user.first_name}" or user.get_username(),
            **super().get_changeform_initial_data(request),
        }

    @staticmethod
    def _is_approver(request) -> bool:
        return request.user.has_perm(VERIFY_CASE)

    def post_through_service(self, request, form):
        # Only an approver's form has the confirm_unverified box.
        return disbursement_post(**form.service_kwargs(), acting_user=request.user)

    def save_model(self, request, obj, form, change):
        # Only change pages get here (add pages post through the service): after
        # posting, only the receipt and the notes may change, whatever the POST says.
        obj._history_user = request.user
        obj.save(update_fields=list(Disbursement.EDITABLE_AFTER_POSTING))

    # --- list ------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # The filtered, searched list's totals; reversed disbursements are listed
            # but paid nothing. From the maintained aggregates where they answer.
            cl = context["cl"]
            totals = disbursement_totals(
                queryset=cl.queryset, user=request.user, params=cl.filter_params, search=cl.query
            )
            cash, goods = totals["cash"] or 0, totals["goods"] or 0
            context["totals"] = {
                "count": totals["count"],
                "people": totals["people"],
                "cash": format_yuan(cash),
                "goods": format_yuan(goods),
                "total": format_yuan(cash + goods),
            }
        return response

    @admin.display(description=_("beneficiary"), ordering="case__name")
    def case_name(self, obj):
        return obj.case.name

    @admin.display(description=_("cash (yuan)"), ordering="cash_amount")
    def cash_amount_yuan(self, obj):
        return yuan(obj.cash_amount)

    @admin.display(description=_("goods value (yuan)"), ordering="goods_total")
    def goods_yuan(self, obj):
        value = getattr(obj, "goods_total", None)
        return yuan(value) if value else "-"

    @admin.display(description=_("unit value (yuan)"))
    def unit_value_yuan(self, obj):
        return yuan(obj.unit_value)

    @admin.display(description=_("ledger entry"))
    def ledger_entry_link(self, obj):
        return entry_link(obj.ledger_entry, getattr(obj, "_viewer", None))

    @admin.action(description=_("Mark the receipt as signed"), permissions=["change"])
    def mark_receipt_signed(self, request, queryset):
        # ``queryset`` is the scoped changelist narrowed to the ticked rows, so a forged
        # id from another unit is not in it.
        changed = disbursements_sign_receipts(disbursements=queryset, acting_user=request.user)
        self.message_user(
            request,
            gettext("%(count)d disbursements marked as signed.") % {"count": changed},
            messages.SUCCESS,
        )
