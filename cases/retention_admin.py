"""The case list's retention action for the city administrator (cases.retention)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from adminkit.pages import form_action
from cases.forms import AnonymiseForm
from cases.permissions import ANONYMISE_CASE
from cases.retention import cases_anonymise

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]
else:
    _ModelAdmin = object


class RetentionActionMixin(_ModelAdmin):
    """Put before the admin base class of the case list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actions is not None:
            self.actions = [*self.actions, "anonymise_cases"]

    def has_anonymise_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(ANONYMISE_CASE)

    @admin.action(
        description=_("Anonymise the selected cases past their retention period"),
        permissions=["anonymise"],
    )
    def anonymise_cases(self, request, queryset):
        years = settings.RETENTION_YEARS

        def run(data):
            done = cases_anonymise(
                years=years, queryset=queryset, acting_user=request.user, request=request
            )
            left = queryset.count() - len(done.case_ids)
            self.message_user(
                request,
                gettext(
                    "Cases anonymised: %(done)d. Not yet past retention (exited less than "
                    "%(years)d years ago, or not exited): %(left)d."
                )
                % {"done": len(done.case_ids), "years": years, "left": left},
                messages.SUCCESS if done.case_ids else messages.WARNING,
            )

        return form_action(
            self,
            request,
            queryset,
            AnonymiseForm,
            run,
            title=gettext("Anonymise cases past retention"),
            intro=gettext(
                "Of the selected cases, those that exited hardship more than %(years)d years "
                "ago lose their names, ID numbers, contact details and household members, in "
                "their history too. Their aid records keep amounts and dates."
            )
            % {"years": years},
            submit_label=gettext("Anonymise"),
        )
