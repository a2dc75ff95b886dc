"""What each role may do in the register (see unions.permissions)."""

from unions.models import Role

# Codenames the code checks (user.has_perm) as well as grants.
VIEW_FULL_ID_NUMBER = "cases.view_full_id_number"
VERIFY_CASE = "cases.verify_case"
SUBMIT_REFERRAL = "cases.submit_referral"
DECIDE_REFERRAL = "cases.decide_referral"
ADD_ANNUAL_REVIEW = "cases.add_annualreview"
ADD_FOLLOW_UP = "cases.add_followup"
VIEW_FOLLOW_UP = "cases.view_followup"
VIEW_CASE = "cases.view_case"
ADD_CASE = "cases.add_case"
CHANGE_CASE = "cases.change_case"
VIEW_REFERRAL = "cases.view_referral"
VIEW_LINE = "cases.view_subsistenceline"
VIEW_EXCLUSION = "cases.view_exclusioncondition"
VIEW_REEVALUATION = "cases.view_reevaluation"
# The 低保 line and the exclusion checklist: set by the district head (负责人) and the
# city administrators.
ADD_LINE = "cases.add_subsistenceline"
CHANGE_LINE = "cases.change_subsistenceline"
ADD_EXCLUSION = "cases.add_exclusioncondition"
CHANGE_EXCLUSION = "cases.change_exclusioncondition"
# 档案转接 (FILING.md): a head starts (or withdraws) a transfer of a file their unit holds,
# a head of the receiving unit accepts or refuses it; the city administrators move files
# directly and may decide a pending transfer.
VIEW_TRANSFER = "cases.view_casetransfer"
START_TRANSFER = "cases.start_transfer"
DECIDE_TRANSFER = "cases.decide_transfer"
MOVE_CASE = "cases.move_case"


# The notice-and-consent rule of a unit: set by the same people as the 低保 line.
VIEW_REQUIREMENT = "cases.view_filingrequirement"
ADD_REQUIREMENT = "cases.add_filingrequirement"
CHANGE_REQUIREMENT = "cases.change_filingrequirement"
MANAGE_LINE = [
    ADD_LINE,
    CHANGE_LINE,
    ADD_EXCLUSION,
    CHANGE_EXCLUSION,
    ADD_REQUIREMENT,
    CHANGE_REQUIREMENT,
]
# 公示 and 授权委托书 are recorded by clerks; an objection is decided by an approver
# (VERIFY_CASE), who verifies the file after it.
VIEW_NOTICE = "cases.view_publicnotice"
ADD_NOTICE = "cases.add_publicnotice"
CHANGE_NOTICE = "cases.change_publicnotice"
VIEW_OBJECTION = "cases.view_noticeobjection"
ADD_OBJECTION = "cases.add_noticeobjection"
CHANGE_OBJECTION = "cases.change_noticeobjection"
VIEW_CONSENT = "cases.view_consentform"
ADD_CONSENT = "cases.add_consentform"
_READ_FILING = [VIEW_REQUIREMENT, VIEW_NOTICE, VIEW_OBJECTION, VIEW_CONSENT]
# Retention: anonymise cases that left the register more than RETENTION_YEARS ago.
ANONYMISE_CASE = "cases.anonymise_case"

_CLERK = [
    VIEW_CASE,
    ADD_CASE,
    CHANGE_CASE,
    VIEW_FULL_ID_NUMBER,
    "cases.view_householdmember",
    "cases.add_householdmember",
    "cases.change_householdmember",
    "cases.delete_householdmember",
    "cases.view_rigidexpense",
    "cases.add_rigidexpense",
    "cases.change_rigidexpense",
    "cases.delete_rigidexpense",
    "cases.view_annualreview",
    ADD_ANNUAL_REVIEW,
    "cases.change_annualreview",
    VIEW_FOLLOW_UP,
    ADD_FOLLOW_UP,
    VIEW_REFERRAL,
    "cases.view_campaign",
    "cases.add_campaign",
    "cases.change_campaign",
    "cases.view_activity",
    "cases.add_activity",
    "cases.change_activity",
    "cases.delete_activity",
    "cases.view_cause",
    VIEW_LINE,
    VIEW_EXCLUSION,
    VIEW_REEVALUATION,
    VIEW_TRANSFER,
    *_READ_FILING,
    ADD_NOTICE,
    CHANGE_NOTICE,
    ADD_OBJECTION,
    CHANGE_OBJECTION,
    ADD_CONSENT,
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: [
        *_CLERK,
        VERIFY_CASE,
        SUBMIT_REFERRAL,
        *MANAGE_LINE,
        START_TRANSFER,
        DECIDE_TRANSFER,
    ],
    Role.AUDITOR: [
        VIEW_CASE,
        "cases.view_householdmember",
        "cases.view_rigidexpense",
        "cases.view_annualreview",
        VIEW_FOLLOW_UP,
        VIEW_REFERRAL,
        "cases.view_campaign",
        "cases.view_activity",
        "cases.view_cause",
        VIEW_LINE,
        VIEW_EXCLUSION,
        VIEW_REEVALUATION,
        VIEW_TRANSFER,
        *_READ_FILING,
    ],
    Role.ADMINISTRATOR: [
        VIEW_CASE,
        VIEW_FULL_ID_NUMBER,
        ANONYMISE_CASE,
        "cases.view_householdmember",
        "cases.view_rigidexpense",
        "cases.view_annualreview",
        VIEW_FOLLOW_UP,
        VIEW_REFERRAL,
        "cases.change_referral",
        DECIDE_REFERRAL,
        "cases.view_campaign",
        "cases.add_campaign",
        "cases.change_campaign",
        "cases.view_activity",
        "cases.view_cause",
        VIEW_LINE,
        VIEW_EXCLUSION,
        VIEW_REEVALUATION,
        *_READ_FILING,
        *MANAGE_LINE,
        VIEW_TRANSFER,
        DECIDE_TRANSFER,
        MOVE_CASE,
    ],
}
