"""The register's actions on cases (verify, exit, reopen, refer, review, follow up, type
changes).

A mixin of ``CaseAdmin`` (cases/admin.py keeps the declarations): each action runs one
service per ticked case through ``adminkit.actions.run_for_each``, those that need input
first ask for it on ``adminkit.pages.form_action``'s page.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from adminkit.actions import run_for_each
from adminkit.pages import form_action
from cases import services
from cases.forms import ExitForm, FollowUpForm, ReferralSubmitForm, ReviewForm
from cases.permissions import ADD_ANNUAL_REVIEW, ADD_FOLLOW_UP, SUBMIT_REFERRAL, VERIFY_CASE

# Actions offered both on the list and on one case's page (Django 6.1's action locations).
BOTH_LOCATIONS = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


class CaseActionsMixin:
    """Put before the admin base class of ``CaseAdmin``."""

    # --- who may run which action ----------------------------------------------------------

    def has_verify_permission(self, request, obj=None):
        return request.user.has_perm(VERIFY_CASE)

    def has_submit_referral_permission(self, request, obj=None):
        return request.user.has_perm(SUBMIT_REFERRAL)

    def has_record_review_permission(self, request, obj=None):
        return request.user.has_perm(ADD_ANNUAL_REVIEW)

    def has_record_follow_up_permission(self, request, obj=None):
        return request.user.has_perm(ADD_FOLLOW_UP)

    # --- actions -------------------------------------------------------------------------
    # ``queryset`` is the scoped changelist narrowed to the ticked rows: a forged id of
    # another unit is simply not in it.

    @admin.action(
        description=_("Verify this case (put it on file)"),
        description_plural=_("Verify the selected cases (put them on file)"),
        permissions=["verify"],
        location=BOTH_LOCATIONS,
    )
    def verify_cases(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case: services.case_verify(case=case, acting_user=request.user),
            gettext("Cases verified: %(count)d."),
        )

    @admin.action(
        description=_("Convert this temporary file (转正)"),
        description_plural=_("Convert the selected temporary files (转正)"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def convert_temporary(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case: services.case_convert_temporary(case=case, acting_user=request.user),
            gettext("Temporary files converted (now pending verification): %(count)d."),
        )

    @admin.action(
        description=_("Mark the hardship-type changes of the selected files as reviewed"),
        permissions=["verify"],
    )
    def type_changes_reviewed(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case: services.case_type_reviewed(case=case, acting_user=request.user),
            gettext("Hardship-type changes reviewed: %(count)d."),
        )

    @admin.action(
        description=_("Exit this case from hardship"),
        description_plural=_("Exit the selected cases from hardship"),
        permissions=["verify"],
        location=BOTH_LOCATIONS,
    )
    def exit_cases(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda case: services.case_exit(
                    case=case,
                    exited_on=data["exited_on"],
                    reason=data["reason"],
                    acting_user=request.user,
                ),
                gettext("Cases exited hardship: %(count)d."),
            )

        return form_action(
            self,
            request,
            queryset,
            ExitForm,
            run,
            title=gettext("Exit cases from hardship"),
            intro=gettext("These cases will leave the register's active list (已脱困)."),
            submit_label=gettext("Exit these cases"),
        )

    @admin.action(
        description=_("Reopen this case"),
        description_plural=_("Reopen the selected exited cases"),
        permissions=["change"],
        location=BOTH_LOCATIONS,
    )
    def reopen_cases(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda case: services.case_reopen(case=case, acting_user=request.user),
            gettext("Cases reopened (pending verification again): %(count)d."),
        )

    @admin.action(
        description=_("Refer this case to the city union"),
        description_plural=_("Refer the selected cases to the city union"),
        permissions=["submit_referral"],
        location=BOTH_LOCATIONS,
    )
    def submit_referrals(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda case: services.referral_submit(
                    case=case, reason=data["reason"], acting_user=request.user
                ),
                gettext("Cases referred to the city union: %(count)d."),
            )

        return form_action(
            self,
            request,
            queryset,
            ReferralSubmitForm,
            run,
            title=gettext("Refer cases to the city union"),
            intro=gettext("The city union decides on long-term aid and the aid certificate."),
            submit_label=gettext("Submit the referral"),
        )

    @admin.action(
        description=_("Record this case's annual review"),
        description_plural=_("Record the annual review of the selected cases"),
        permissions=["record_review"],
        location=BOTH_LOCATIONS,
    )
    def record_reviews(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda case: services.review_record(
                    case=case,
                    reviewed_on=data["reviewed_on"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    acting_user=request.user,
                ),
                gettext("Annual reviews recorded: %(count)d."),
            )

        return form_action(
            self,
            request,
            queryset,
            ReviewForm,
            run,
            title=gettext("Record the annual review"),
            intro=gettext("One review per case and year (年度复核)."),
            submit_label=gettext("Record the review"),
        )

    @admin.action(
        description=_("Record a follow-up visit of this exited case"),
        description_plural=_("Record a follow-up visit of the selected exited cases"),
        permissions=["record_follow_up"],
        location=BOTH_LOCATIONS,
    )
    def record_follow_ups(self, request, queryset):
        def run(data):
            run_for_each(
                self,
                request,
                queryset,
                lambda case: services.follow_up_record(
                    case=case,
                    visited_on=data["visited_on"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    acting_user=request.user,
                ),
                gettext("Follow-up visits recorded: %(count)d."),
            )

        return form_action(
            self,
            request,
            queryset,
            FollowUpForm,
            run,
            title=gettext("Record a follow-up visit"),
            intro=gettext(
                "A visit after the exit (回访). Back in hardship (返困) reopens the file: "
                "an approver must verify it again."
            ),
            submit_label=gettext("Record the visit"),
        )
