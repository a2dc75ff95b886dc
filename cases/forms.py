"""Admin forms for the register's transitions. Each one only collects input: the change
itself is a :mod:`cases.services` call, whose refusals come back on the form or as a
message."""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import FollowUpOutcome, ReviewOutcome
from core.dates import SupportedDateField


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise ValidationError(message)
    return value


class ExitForm(forms.Form):
    """已脱困: the date and the reason are both required."""

    exited_on = SupportedDateField(
        label=_("exited on"),
        initial=timezone.localdate,
        widget=widgets.AdminDateWidget,
        error_messages={"required": _("Enter the date the case exited hardship.")},
    )
    reason = forms.CharField(
        label=_("exit reason"),
        max_length=200,
        widget=widgets.AdminTextInputWidget,
        error_messages={"required": _("Say why the case exits hardship.")},
        help_text=_("e.g. re-employed, income above the hardship line, moved away."),
    )

    def clean_exited_on(self):
        return _not_in_future(
            self.cleaned_data.get("exited_on"), _("The exit date cannot be in the future.")
        )


class ReferralSubmitForm(forms.Form):
    """向市总反映: why the case needs the city union's long-term aid."""

    reason = forms.CharField(
        label=_("reason for referral"),
        widget=widgets.AdminTextareaWidget(attrs={"rows": 4}),
        error_messages={"required": _("Say why the case is referred.")},
    )


class ReviewForm(forms.Form):
    """年度复核: one review per case and year."""

    reviewed_on = SupportedDateField(
        label=_("reviewed on"), initial=timezone.localdate, widget=widgets.AdminDateWidget
    )
    outcome = forms.ChoiceField(label=_("outcome"), choices=ReviewOutcome.choices)
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
    )

    def clean_reviewed_on(self):
        return _not_in_future(
            self.cleaned_data.get("reviewed_on"), _("The review date cannot be in the future.")
        )


class FollowUpForm(forms.Form):
    """回访: a visit to an exited file; 返困 reopens it for verification."""

    visited_on = SupportedDateField(
        label=_("visited on"), initial=timezone.localdate, widget=widgets.AdminDateWidget
    )
    outcome = forms.ChoiceField(label=_("outcome"), choices=FollowUpOutcome.choices)
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
    )

    def clean_visited_on(self):
        return _not_in_future(
            self.cleaned_data.get("visited_on"), _("The visit date cannot be in the future.")
        )


class ReferralDecisionForm(forms.Form):
    """The city union's decision on a referral: approve with a certificate, or reject."""

    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (APPROVE, _("approve and issue the aid certificate")),
            (REJECT, _("reject")),
        ],
        widget=forms.RadioSelect,
    )
    certificate_number = forms.CharField(
        label=_("aid certificate number"),
        max_length=40,
        required=False,
        widget=widgets.AdminTextInputWidget,
        help_text=_("Required when approving."),
    )
    valid_from = SupportedDateField(
        label=_("certificate valid from"),
        required=False,
        widget=widgets.AdminDateWidget,
        help_text=_("Required when approving."),
    )
    valid_until = SupportedDateField(
        label=_("certificate valid until"),
        required=False,
        widget=widgets.AdminDateWidget,
        help_text=_("Required when approving."),
    )
    rejection_reason = forms.CharField(
        label=_("reason for rejection"),
        required=False,
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.APPROVE:
            if not data.get("certificate_number"):
                self.add_error("certificate_number", _("Enter the aid certificate number."))
            valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
            # Each empty date is marked on its own field (a date that failed to parse
            # already carries its error there).
            if not valid_from and "valid_from" not in self.errors:
                self.add_error(
                    "valid_from", _("Enter the date the aid certificate is valid from.")
                )
            if not valid_until and "valid_until" not in self.errors:
                self.add_error(
                    "valid_until", _("Enter the date the aid certificate is valid until.")
                )
            if valid_from and valid_until and valid_until < valid_from:
                self.add_error(
                    "valid_until",
                    _("The certificate must be valid from a date to a later date."),
                )
        elif data.get("decision") == self.REJECT and not data.get("rejection_reason"):
            self.add_error("rejection_reason", _("Say why the referral is rejected."))
        return data


class AnonymiseForm(forms.Form):
    """The city administrator confirms an anonymisation: it cannot be undone."""

    confirm = forms.BooleanField(
        label=_("I understand that the personal data of these cases is erased for good"),
        required=True,
    )


class TransferUnitField(forms.ModelChoiceField):
    """The receiving unit, chosen by name from the whole tree; a unit below a district
    names its district, so two 城南街道工会 of two districts read differently."""

    def label_from_instance(self, obj):
        parent = obj.parent
        if parent is not None and parent.parent_id is not None:
            return f"{obj.name}（{parent.name}）"
        return obj.name


class TransferStartForm(forms.Form):
    """档案转接: the unit that takes the file and why it moves."""

    to_unit = TransferUnitField(
        label=_("receiving unit"),
        queryset=None,
        error_messages={"required": _("Choose the receiving unit.")},
    )
    reason = forms.CharField(
        label=_("reason for the transfer"),
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
        error_messages={"required": _("Say why the file moves.")},
        help_text=_("e.g. changed employer, moved to another district, units merged."),
    )

    def __init__(self, *args, **kwargs):
        from cases.transfers import receiving_units

        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = receiving_units()


class TransferDecisionForm(forms.Form):
    """The receiving unit accepts the file or refuses it, saying why."""

    ACCEPT = "accept"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[(ACCEPT, _("accept the file")), (REFUSE, _("refuse the transfer"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to accept or to refuse.")},
    )
    refusal_reason = forms.CharField(
        label=_("reason for refusal"),
        required=False,
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Required when refusing."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REFUSE and not (data.get("refusal_reason") or "").strip():
            self.add_error("refusal_reason", _("Say why the transfer is refused."))
        return data


# --- public notice and consent -----------------------------------------------------------


class PublicNoticeForm(forms.ModelForm):
    """A notice period; the service's refusals checked here too, so they show on the form."""

    def clean(self):
        data = super().clean()
        from cases.models import CaseStatus
        from cases.selectors import default_notice_end, notice_period_problem

        case = data.get("case") or getattr(self.instance, "case", None)
        if case is None or not data.get("starts_on"):
            return data
        if case.status not in (CaseStatus.PENDING, CaseStatus.TEMPORARY):
            raise ValidationError(_("Only a file awaiting verification is put on public notice."))
        ends_on = data.get("ends_on") or default_notice_end(case, data["starts_on"])
        problem = notice_period_problem(case, data["starts_on"], ends_on)
        if problem:
            self.add_error("ends_on", problem)
        return data


class ObjectionForm(forms.ModelForm):
    """One objection on the notice page; ``user`` is set by the inline (get_formset)."""

    user = None

    def clean(self):
        from cases.models import ObjectionOutcome
        from cases.permissions import VERIFY_CASE

        data = super().clean()
        before = self.instance.outcome if self.instance.pk else ObjectionOutcome.OPEN
        if self.instance.pk and before != ObjectionOutcome.OPEN and self.has_changed():
            raise ValidationError(_("This objection has been decided; it is not changed."))
        outcome = data.get("outcome")
        if outcome and outcome != ObjectionOutcome.OPEN and before == ObjectionOutcome.OPEN:
            if self.user is None or not self.user.has_perm(VERIFY_CASE):
                self.add_error("outcome", _("Only an approver decides an objection."))
            elif not (data.get("decision") or "").strip():
                self.add_error("decision", _("Say what was found about the objection."))
        return data


class ConsentFormForm(forms.ModelForm):
    """The signed authorisation: its date and the scanned copy (stored by the service)."""

    scan = forms.FileField(
        label=_("scanned copy"),
        help_text=_("PDF, JPEG or PNG."),
        error_messages={"required": _("Upload the scanned copy of the signed authorisation.")},
    )

    def clean_scan(self):
        from cases import scans

        upload = self.cleaned_data["scan"]
        try:
            scans.check(upload, upload.name)
        except ValidationError as error:
            raise ValidationError(error.message_dict["scan"]) from None
        return upload

    def service_kwargs(self) -> dict:
        upload = self.cleaned_data["scan"]
        return {
            "case": self.cleaned_data["case"],
            "signed_on": self.cleaned_data["signed_on"],
            "upload": upload,
            "file_name": upload.name,
        }
