"""Forms of the pairing-agreement admin: terminate, record a payment, name beneficiaries."""

from __future__ import annotations

import os
from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminFileWidget
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from adminkit.scope import choice_label
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from funds.models import Fund
from pairings.models import Agreement, AgreementKind, Beneficiary


def beneficiary_label(beneficiary: Beneficiary) -> str:
    """The person supported: the student (of which case) or the case's name."""
    if beneficiary.student_id:
        return f"{beneficiary.student.name}（{beneficiary.case.name}）"
    return beneficiary.case.name


class BeneficiaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Beneficiary) -> str:
        return beneficiary_label(obj)


class StudentChoiceField(forms.ModelChoiceField):
    """A household member, named with their case so two children called 小明 differ."""

    def label_from_instance(self, obj) -> str:
        parts = [obj.name, obj.case.name]
        if obj.school:
            parts.append(obj.school)
        return " · ".join(parts)


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=capfirst(_("reason for termination")),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


# Where a service's field error belongs on the payment form
# (``adminkit.errors.add_service_errors``'s rename); anything else is shown above it.
PAYMENT_ERROR_FIELDS = {
    "amount": "amount",
    "cash_amount": "amount",
    "fund": "fund",
    "paid_directly_by": "fund",
    "case": "beneficiary",
    "disbursed_on": "paid_on",
    "receipt_signed": "receipt_signed",
    "notes": "notes",
}


class PaymentForm(forms.Form):
    """One payment to one beneficiary of ``agreement``, from a fund or by the sponsor."""

    beneficiary = BeneficiaryChoiceField(
        queryset=Beneficiary.objects.none(), label=capfirst(_("beneficiary"))
    )
    paid_on = forms.DateField(
        label=capfirst(_("date")), widget=AdminDateWidget, initial=timezone.localdate
    )
    amount = forms.DecimalField(
        label=capfirst(_("amount (yuan)")),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        min_value=Decimal("0.01"),
    )
    fund = forms.ModelChoiceField(
        queryset=Fund.objects.none(),
        label=capfirst(_("fund")),
        required=False,
        empty_label=_("none: paid directly by the sponsor"),
        help_text=_("Leave empty when the sponsor paid the beneficiary directly."),
    )
    receipt_signed = forms.BooleanField(label=capfirst(_("receipt signed")), required=False)
    notes = forms.CharField(label=capfirst(_("notes")), max_length=200, required=False)

    def __init__(self, *args, agreement: Agreement, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.fields["beneficiary"].queryset = (
            Beneficiary.objects.for_user(user)
            .filter(agreement=agreement)
            .select_related("case", "student")
            .order_by("pk")
        )
        # A payment may come out of a fund of the signing unit or of a unit above it
        # (the rule Disbursement.clean enforces), and only one the user can see.
        self.fields["fund"].queryset = (
            Fund.objects.for_user(user)
            .filter(is_active=True, unit__in=agreement.unit.ancestors())
            .select_related("unit")
        )
        self.fields["fund"].label_from_instance = choice_label  # with its balance
        self.fields["amount"].initial = agreement.amount

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "beneficiary": data["beneficiary"],
            "paid_on": data["paid_on"],
            "amount": data["amount"],
            "fund": data["fund"],
            "receipt_signed": data["receipt_signed"],
            "notes": data["notes"],
        }


class BeneficiaryFormSet(BaseInlineFormSet):
    """A student pairing names the student of every beneficiary.

    ``Beneficiary.clean`` checks this only once the agreement is saved; the formset
    checks it on the add page too, where the agreement has no primary key yet.
    """

    def clean(self) -> None:
        super().clean()
        if self.instance.kind != AgreementKind.STUDENT:
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            if "student" in form.errors or not form.cleaned_data.get("case"):
                continue
            if not form.cleaned_data.get("student"):
                form.add_error("student", _("A student pairing names the student."))


class _DocumentLink:
    """What the file widget's template needs: a URL and a name to show."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.name


class ScopedDocumentWidget(AdminFileWidget):
    """Links the current file to the admin's scoped download view, not to MEDIA_URL.

    Signed agreements name the people supported; they are served only to users who may
    see the agreement.
    """

    download_url: str | None = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.download_url and context["widget"]["is_initial"]:
            context["widget"]["value"] = _DocumentLink(
                self.download_url, os.path.basename(str(value))
            )
        return context
