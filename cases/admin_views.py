"""The referral's decision (市总审批) on its own page, for the city union.

``ReferralAdmin`` is read-only; a city administrator deciding a submitted referral sees
the decision form below it, and the form calls ``cases.services.referral_approve`` or
``referral_reject``. A refusal from the service comes back on the form.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from adminkit.errors import add_service_errors, error_text
from cases import services
from cases.forms import ReferralDecisionForm
from cases.models import ReferralStatus
from cases.permissions import DECIDE_REFERRAL


def may_decide(request, referral) -> bool:
    return request.user.has_perm(DECIDE_REFERRAL) and referral.status == ReferralStatus.SUBMITTED


class ReferralDecisionMixin:
    """The referral's change page, with the decision form when the user may decide."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        referral = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if referral is not None and may_decide(request, referral):
            if request.method == "POST" and "_decide" in request.POST:
                form = ReferralDecisionForm(request.POST)
                response = self._decide(request, referral, form)
                if response is not None:
                    return response
                # Invalid input: show the (read-only) page again with the form's errors.
                request = copy.copy(request)
                request.method = "GET"
            else:
                form = ReferralDecisionForm()
            extra_context["decision_form"] = helpers.AdminForm(
                form, [(_("decision"), {"fields": list(form.fields)})], {}
            )
            extra_context["decision_errors"] = helpers.AdminErrorList(form, [])
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, referral, form):
        if not form.is_valid():
            return None
        data = form.cleaned_data
        try:
            if data["decision"] == ReferralDecisionForm.APPROVE:
                services.referral_approve(
                    referral=referral,
                    certificate_number=data["certificate_number"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    acting_user=request.user,
                )
                message = gettext("Referral approved: aid certificate %(number)s issued.") % {
                    "number": data["certificate_number"].strip()
                }
            else:
                services.referral_reject(
                    referral=referral, reason=data["rejection_reason"], acting_user=request.user
                )
                message = gettext("Referral rejected.")
        except ValidationError as error:
            add_service_errors(form, error)
            return None
        except PermissionDenied as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.log_change(request, referral, message)
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cases_referral_changelist"))
