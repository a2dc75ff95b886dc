"""Admin forms for postings. Each one only collects input: its save is a service call."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.admin import widgets
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import FEN, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from funds.models import INCOME_KINDS, Disbursement, Fund, LedgerEntry


def money_field(label, **kwargs) -> forms.DecimalField:
    """A positive yuan amount with at most two decimal places."""
    kwargs.setdefault("min_value", FEN)
    return forms.DecimalField(
        label=label,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        widget=widgets.AdminTextInputWidget(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


class FundForm(forms.ModelForm):
    """A fund's name is unique in its unit, also when the unit is read-only (renaming)."""

    class Meta:
        model = Fund
        fields = ["unit", "name", "kind", "is_active", "notes"]

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit") or (self.instance.unit if self.instance.pk else None)
        name = cleaned.get("name")
        taken = Fund.objects.filter(unit=unit, name=name).exclude(pk=self.instance.pk)
        if unit and name and taken.exists():
            self.add_error("name", _("This union unit already has a fund of this name."))
        return cleaned


class IncomeForm(forms.ModelForm):
    """Money in (收入): an allocation received, own budget, a donation, a sponsor payment."""

    kind = forms.ChoiceField(
        label=_("kind"), choices=[(kind.value, kind.label) for kind in INCOME_KINDS]
    )
    amount = money_field(_("amount (yuan)"))

    class Meta:
        model = LedgerEntry
        fields = ["fund", "kind", "entry_date", "amount", "source", "source_unit", "notes"]
        help_texts = {
            "source": _("Required for a donation or a sponsor payment: who gave the money."),
        }

    def service_kwargs(self) -> dict:
        """The arguments of ``funds.services.income_post`` (its names are the fields')."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class AllocationForm(forms.Form):
    """拨款: an upper union moves money from its fund to a lower union's fund."""

    from_fund = forms.ModelChoiceField(label=_("from fund"), queryset=None)
    to_fund = forms.ModelChoiceField(
        label=_("to fund"),
        queryset=None,
        help_text=_("A fund of a union unit below the giving fund's unit."),
    )
    amount = money_field(_("amount (yuan)"))
    entry_date = forms.DateField(
        label=_("date"), initial=timezone.localdate, widget=widgets.AdminDateWidget
    )
    notes = forms.CharField(
        label=_("notes"), max_length=200, required=False, widget=widgets.AdminTextInputWidget
    )

    def __init__(self, *args, funds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_fund"].queryset = funds
        self.fields["to_fund"].queryset = funds


class ReverseForm(forms.Form):
    """冲正: the reason is kept on the reversing entry."""

    reason = forms.CharField(
        label=_("reason for the reversal"),
        max_length=200,
        widget=widgets.AdminTextInputWidget,
        help_text=_("e.g. entered twice, wrong amount, wrong fund."),
    )


# What disbursement_post receives for a field the form left out.
_EMPTY = {
    "item": "",
    "paid_directly_by": "",
    "leader": "",
    "handled_by": "",
    "notes": "",
    "receipt_signed": False,
}


class DisbursementPostForm(forms.ModelForm):
    """发放: the fields a clerk fills in; posting it pays the money out of the fund."""

    class Meta:
        model = Disbursement
        fields = [
            "case",
            "disbursed_on",
            "kind",
            "cash_amount",
            "item",
            "quantity",
            "unit_value",
            "fund",
            "campaign",
            "activity",
            "paying_unit",
            "paid_directly_by",
            "leader",
            "handled_by",
            "receipt_signed",
            "notes",
        ]
        help_texts = {
            "cash_amount": _("For cash kinds; leave empty for goods."),
            "fund": _(
                "Cash is paid from a fund unless a sponsor paid it directly; goods only when "
                "bought from one."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Amounts are checked here so a clerk sees a plain message instead of a
        # database constraint's name.
        for name, minimum in (("cash_amount", FEN), ("unit_value", Decimal(0)), ("quantity", 1)):
            field = self.fields.get(name)
            if field is not None:
                field.validators.append(MinValueValidator(minimum))
                field.widget.attrs["min"] = minimum

    def service_kwargs(self) -> dict:
        """The keyword arguments of ``funds.services.disbursement_post`` (but
        ``acting_user``); a field the kind leaves out is empty."""
        data = self.cleaned_data
        kwargs = {name: data.get(name, _EMPTY.get(name)) for name in self._meta.fields}
        return {**kwargs, "confirm_unverified": bool(data.get("confirm_unverified"))}


class ApproverDisbursementPostForm(DisbursementPostForm):
    """An approver may pay a case that is not on file, by saying so explicitly."""

    confirm_unverified = forms.BooleanField(
        label=_("approve payment to a case not on file"),
        required=False,
        help_text=_(
            "Needed when the beneficiary is pending verification or has exited hardship; "
            "the city audit lists these payments."
        ),
    )
