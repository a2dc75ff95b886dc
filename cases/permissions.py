"""What each role may do in the register (see unions.permissions)."""

from unions.models import Role

# Codenames the code checks (user.has_perm) as well as grants.
VIEW_FULL_ID_NUMBER = "cases.view_full_id_number"
VERIFY_CASE = "cases.verify_case"
SUBMIT_REFERRAL = "cases.submit_referral"
DECIDE_REFERRAL = "cases.decide_referral"
ADD_ANNUAL_REVIEW = "cases.add_annualreview"
VIEW_CASE = "cases.view_case"
ADD_CASE = "cases.add_case"
CHANGE_CASE = "cases.change_case"
VIEW_REFERRAL = "cases.view_referral"

_CLERK = [
    VIEW_CASE,
    ADD_CASE,
    CHANGE_CASE,
    VIEW_FULL_ID_NUMBER,
    "cases.view_householdmember",
    "cases.add_householdmember",
    "cases.change_householdmember",
    "cases.delete_householdmember",
    "cases.view_annualreview",
    ADD_ANNUAL_REVIEW,
    "cases.change_annualreview",
    VIEW_REFERRAL,
    "cases.view_campaign",
    "cases.add_campaign",
    "cases.change_campaign",
    "cases.view_activity",
    "cases.add_activity",
    "cases.change_activity",
    "cases.delete_activity",
    "cases.view_cause",
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: [*_CLERK, VERIFY_CASE, SUBMIT_REFERRAL],
    Role.AUDITOR: [
        VIEW_CASE,
        "cases.view_householdmember",
        "cases.view_annualreview",
        VIEW_REFERRAL,
        "cases.view_campaign",
        "cases.view_activity",
        "cases.view_cause",
    ],
    Role.ADMINISTRATOR: [
        VIEW_CASE,
        VIEW_FULL_ID_NUMBER,
        "cases.view_householdmember",
        "cases.view_annualreview",
        VIEW_REFERRAL,
        "cases.change_referral",
        DECIDE_REFERRAL,
        "cases.view_campaign",
        "cases.add_campaign",
        "cases.change_campaign",
        "cases.view_activity",
        "cases.view_cause",
    ],
}
