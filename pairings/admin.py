"""Admin for pairing agreements (结对帮困协议): sponsors, agreements, beneficiaries, payments.

Every door goes through ``adminkit.scope``: a sponsor may be shared by several
districts, but each district sees only its own agreements under it.
"""

from __future__ import annotations

import os

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from adminkit.actions import run_for_each
from adminkit.options import ReadOnlyInlineMixin, ReadOnlyMixin
from adminkit.pages import form_action
from adminkit.scope import (
    ScopedAdmin,
    ScopedRelatedFieldListFilter,
    ScopedTabularInline,
    in_scope,
)
from adminkit.units import default_unit_id
from adminkit.urls import admin_url, page_urls
from cases.models import HouseholdMember
from core.money import ZERO, format_yuan
from pairings.admin_views import (
    document_view,
    may_record_payment,
    record_payment_view,
    standard,
    status_label,
)
from pairings.filters import (
    BehindFilter,
    EffectiveStatusFilter,
    ExpiringFilter,
    ScopedAgreementListFilter,
    ScopedFundListFilter,
)
from pairings.forms import (
    BeneficiaryFormSet,
    ScopedDocumentWidget,
    StudentChoiceField,
    TerminateForm,
    beneficiary_label,
)
from pairings.models import Agreement, AgreementPayment, AgreementStatus, Beneficiary, Sponsor
from pairings.services import agreement_activate, agreement_standing, agreement_terminate
from sheets.admin import SheetAdminMixin

# --- sponsors ---------------------------------------------------------------------


class SponsorAgreementInline(ReadOnlyInlineMixin, ScopedTabularInline):
    """A sponsor's agreements, read-only, and only those of the user's own units.

    ``ScopedInlineMixin.get_queryset`` applies ``Agreement.objects.for_user``: the bank
    that signed with both 金阊 and 昆山 shows each district only its own agreements.
    """

    model = Agreement
    show_change_link = True
    fields = ["number", "unit", "kind", "standard", "start", "end", "status_display"]
    verbose_name_plural = _("agreements of your units")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")

    @admin.display(description=_("committed standard"))
    def standard(self, obj):
        return standard(obj)

    @admin.display(description=_("agreement status"))
    def status_display(self, obj):
        return status_label(obj)


@admin.register(Sponsor)
class SponsorAdmin(ScopedAdmin):
    """Sponsors are a directory shared by every unit (organisations and party branches);
    only the registering unit's scope may change one."""

    list_display = ["name", "kind", "contact", "agreement_count"]
    list_filter = ["kind"]
    search_fields = ["name", "contact"]
    fields = ["name", "kind", "contact", "unit"]
    inlines = [SponsorAgreementInline]

    def get_queryset(self, request):
        visible_agreements = (
            Agreement.objects.for_user(request.user)
            .filter(sponsor=OuterRef("pk"))
            .order_by()
            .values("sponsor")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(visible_agreements=Coalesce(Subquery(visible_agreements), 0))
        )

    @admin.display(description=_("agreements of your units"), ordering="visible_agreements")
    def agreement_count(self, obj):
        return obj.visible_agreements

    @admin.display(description=_("registered by"))
    def registered_by(self, obj):
        # Shown in place of the unit only when the user cannot see that unit.
        return gettext("another union unit")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not in_scope(obj.unit, request.user):
            # A public sponsor registered by a unit outside the user's scope: do not
            # name that unit, which does not exist for this user.
            fields = ["registered_by" if f == "unit" else f for f in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "registered_by"]

    def has_change_permission(self, request, obj=None):
        # Any unit may sign with a public sponsor; only the unit that registered it
        # (or a unit above) may rename it or change its contact.
        return super().has_change_permission(request, obj) and (
            obj is None or in_scope(obj.unit, request.user)
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("unit", default_unit_id(request.user))
        return initial

    def history_view(self, request, object_id, extra_context=None):
        self._require_registered_here(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_registered_here(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _require_registered_here(self, request, object_id) -> None:
        # Who edited a shared sponsor, and which unit registered it, belong to the
        # registering unit: another district signing with it sees the sponsor only.
        sponsor = self.get_object(request, unquote(object_id))
        if sponsor is not None and not in_scope(sponsor.unit, request.user):
            raise PermissionDenied


# --- agreements -------------------------------------------------------------------


class BeneficiaryInline(ScopedTabularInline):
    model = Beneficiary
    formset = BeneficiaryFormSet
    fields = ["case", "student"]
    autocomplete_fields = ["case"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case__unit", "student__case")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "student":
            kwargs["queryset"] = (
                HouseholdMember.objects.for_user(request.user)
                .select_related("case")
                .order_by("case__name", "name", "pk")
            )
            kwargs["form_class"] = StudentChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Agreement)
class AgreementAdmin(SheetAdminMixin, ScopedAdmin):
    sheet_kind = "pairings"
    list_display = [
        "number",
        "sponsor",
        "unit",
        "kind",
        "standard",
        "start",
        "end",
        "status_display",
        "promised_to_date",
        "paid_to_date",
        "is_behind",
    ]
    list_select_related = ["sponsor", "unit"]
    list_filter = [EffectiveStatusFilter, "kind", "unit", "sponsor", ExpiringFilter, BehindFilter]
    search_fields = ["number", "sponsor__name", "beneficiaries__case__name"]
    sensitive_fields = ("id_number",)
    inlines = [BeneficiaryInline]
    actions = ["activate_agreements", "terminate_agreements"]
    fieldsets = [
        (None, {"fields": ["number", "sponsor", "unit", "kind"]}),
        (_("committed standard"), {"fields": ["amount", "period", "start", "end"]}),
        (
            _("agreement status"),
            {"fields": ["status_display", "termination_reason", "document", "notes"]},
        ),
        (_("payments"), {"fields": ["standing"]}),
    ]
    # A past version carries its status: reverting would bring a terminated agreement
    # back into effect behind the services' back.
    revertible = False
    # Terms of an agreement in effect are what was signed; they are not edited after.
    terms = ["number", "sponsor", "unit", "kind", "amount", "period", "start"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sponsor", "unit")
            .with_standing(timezone.localdate())
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status_display", "termination_reason", "standing", "document_link"]
        if obj is not None and obj.status != AgreementStatus.DRAFT:
            readonly += self.terms
        return readonly

    def get_fieldsets(self, request, obj=None):
        hidden = set()
        if obj is None:
            hidden |= {"standing", "status_display"}
        if obj is None or obj.status != AgreementStatus.TERMINATED:
            hidden.add("termination_reason")
        view_only = obj is not None and not self.has_change_permission(request, obj)
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [f for f in options["fields"] if f not in hidden]
            if view_only:
                # The signed document through the scoped download, never MEDIA_URL.
                fields = ["document_link" if f == "document" else f for f in fields]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "document" in form.base_fields:
            widget = ScopedDocumentWidget()
            if obj is not None:
                widget.download_url = admin_url(obj, "document", site=self.admin_site.name)
            form.base_fields["document"].widget = widget
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("unit", default_unit_id(request.user))
        return initial

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_record_payment"] = bool(
            obj is not None and may_record_payment(self, request, obj)
        )
        if obj is not None:
            context["record_payment_url"] = admin_url(obj, "payment", site=self.admin_site.name)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- columns ---------------------------------------------------------------------

    @admin.display(description=_("committed standard"), ordering="amount")
    def standard(self, obj):
        return standard(obj)

    @admin.display(description=_("agreement status"), ordering="status")
    def status_display(self, obj):
        if obj.status == AgreementStatus.TERMINATED and obj.termination_reason:
            return f"{status_label(obj)}（{obj.termination_reason}）"
        return status_label(obj)

    @admin.display(description=_("promised to date (yuan)"))
    def promised_to_date(self, obj):
        return format_yuan(obj.promised_each * obj.beneficiary_count)

    @admin.display(description=_("paid to date (yuan)"), ordering="paid_total")
    def paid_to_date(self, obj):
        return format_yuan(obj.paid_total)

    @admin.display(description=_("behind on payment"), boolean=True)
    def is_behind(self, obj):
        return obj.is_behind  # from AgreementQuerySet.with_standing

    @admin.display(description=_("signed agreement"))
    def document_link(self, obj):
        if obj is None or not obj.document:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            admin_url(obj, "document", site=self.admin_site.name),
            os.path.basename(obj.document.name),
        )

    @admin.display(description=_("promised and paid to date"))
    def standing(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = agreement_standing(obj)
        return render_to_string(
            "admin/pairings/agreement/standing.html",
            {
                "rows": [(beneficiary_label(row.beneficiary), row) for row in rows],
                "total": {
                    name: sum((getattr(row, name) for row in rows), ZERO)
                    for name in ("promised", "paid", "behind")
                },
            },
        )

    # --- actions ---------------------------------------------------------------------

    @admin.action(description=_("Put the selected agreements into effect"), permissions=["change"])
    def activate_agreements(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda agreement: agreement_activate(agreement=agreement, acting_user=request.user),
            lambda done: (
                ngettext(
                    "%(count)d agreement put into effect.",
                    "%(count)d agreements put into effect.",
                    done,
                )
                % {"count": done}
            ),
            label=lambda agreement: agreement.number,
        )

    @admin.action(description=_("Terminate the selected agreements"), permissions=["change"])
    def terminate_agreements(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda agreement: agreement_terminate(
                    agreement=agreement, reason=data["reason"], acting_user=request.user
                ),
                lambda done: (
                    ngettext(
                        "%(count)d agreement terminated.", "%(count)d agreements terminated.", done
                    )
                    % {"count": done}
                ),
                label=lambda agreement: agreement.number,
            )

        return form_action(
            self,
            request,
            queryset.select_related("sponsor"),
            TerminateForm,
            run,
            title=gettext("Terminate pairing agreements"),
            intro=gettext(
                "These agreements will be terminated before their end date. Payments "
                "already recorded stay on file."
            ),
            submit_label=gettext("Terminate"),
            confirm_field="confirm",
        )

    # --- extra pages -------------------------------------------------------------------

    def get_urls(self):
        return [
            *page_urls(
                self,
                ("<path:object_id>/payment/", record_payment_view, "payment"),
                ("<path:object_id>/document/", document_view, "document"),
            ),
            *super().get_urls(),
        ]


# --- payments ---------------------------------------------------------------------


@admin.register(AgreementPayment)
class AgreementPaymentAdmin(ReadOnlyMixin, ScopedAdmin):
    """Payments are recorded from the agreement's page and corrected by reversing the
    disbursement's ledger entry; this list only reads."""

    list_display = [
        "paid_on",
        "agreement_number",
        "beneficiary_name",
        "amount",
        "source",
        "receipt_signed",
        "is_reversed",
        "recorded_by",
    ]
    list_select_related = [
        "beneficiary__agreement__sponsor",
        "beneficiary__case",
        "beneficiary__student",
        "disbursement__fund__unit",
        "recorded_by",
    ]
    list_filter = [
        ("beneficiary__agreement", ScopedAgreementListFilter),
        ("beneficiary__agreement__unit", ScopedRelatedFieldListFilter),
        ("disbursement__fund", ScopedFundListFilter),
        "disbursement__receipt_signed",
        "disbursement__is_reversed",
    ]
    search_fields = ["beneficiary__agreement__number", "beneficiary__case__name"]
    sensitive_fields = ("id_number",)
    ordering = ["-disbursement__disbursed_on", "-pk"]
    fields = [
        "agreement_number",
        "beneficiary_name",
        "paid_on",
        "amount",
        "source",
        "receipt_signed",
        "is_reversed",
        "recorded_by",
    ]
    readonly_fields = fields
    revertible = False

    @admin.display(description=_("agreement number"), ordering="beneficiary__agreement__number")
    def agreement_number(self, obj):
        return obj.beneficiary.agreement.number

    @admin.display(description=_("beneficiary"))
    def beneficiary_name(self, obj):
        return beneficiary_label(obj.beneficiary)

    @admin.display(description=_("date"), ordering="disbursement__disbursed_on")
    def paid_on(self, obj):
        return obj.disbursement.disbursed_on

    @admin.display(description=_("amount (yuan)"), ordering="disbursement__cash_amount")
    def amount(self, obj):
        return format_yuan(obj.disbursement.cash_amount)

    @admin.display(description=_("paid from"))
    def source(self, obj):
        disbursement = obj.disbursement
        if disbursement.fund_id:
            return str(disbursement.fund)
        return gettext("paid directly by %(sponsor)s") % {"sponsor": disbursement.paid_directly_by}

    @admin.display(description=_("receipt signed"), boolean=True)
    def receipt_signed(self, obj):
        return obj.disbursement.receipt_signed

    @admin.display(description=_("reversed"), boolean=True)
    def is_reversed(self, obj):
        return obj.disbursement.is_reversed


# --- a case's agreements on the case page ---------------------------------------------


class CaseAgreementsInline(ReadOnlyInlineMixin, ScopedTabularInline):
    """结对帮困: the agreements a case is named in, read-only, on the case's page.

    Shown there through ``settings.RELIEF_ADMIN_INLINES`` (``adminkit.extensions``).
    """

    model = Beneficiary
    fk_name = "case"
    verbose_name = _("pairing agreement")
    verbose_name_plural = _("pairing agreements")
    fields = ["agreement_link", "sponsor", "kind", "standard", "term", "status", "student"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("agreement__sponsor", "student")
            .order_by("-agreement__start", "agreement__number")
        )

    @admin.display(description=_("agreement number"))
    def agreement_link(self, obj):
        url = reverse(
            f"{self.admin_site.name}:pairings_agreement_change", args=[quote(obj.agreement_id)]
        )
        return format_html('<a href="{}">{}</a>', url, obj.agreement.number)

    @admin.display(description=_("sponsor"))
    def sponsor(self, obj):
        return obj.agreement.sponsor.name

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return obj.agreement.get_kind_display()

    @admin.display(description=_("committed standard"))
    def standard(self, obj):
        return standard(obj.agreement)

    @admin.display(description=_("period of the agreement"))
    def term(self, obj):
        return f"{obj.agreement.start} – {obj.agreement.end}"

    @admin.display(description=_("agreement status"))
    def status(self, obj):
        return status_label(obj.agreement)
