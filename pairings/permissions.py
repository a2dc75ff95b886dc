"""What each role may do with pairing agreements (see unions.permissions)."""

from unions.models import Role

# Codenames the code checks (user.has_perm) as well as grants.
VIEW_AGREEMENT = "pairings.view_agreement"
ADD_AGREEMENT = "pairings.add_agreement"
CHANGE_AGREEMENT = "pairings.change_agreement"
ADD_BENEFICIARY = "pairings.add_beneficiary"
ADD_AGREEMENT_PAYMENT = "pairings.add_agreementpayment"

_VIEW = [
    "pairings.view_sponsor",
    VIEW_AGREEMENT,
    "pairings.view_beneficiary",
    "pairings.view_agreementpayment",
]
_CLERK = [
    *_VIEW,
    "pairings.add_sponsor",
    "pairings.change_sponsor",
    ADD_AGREEMENT,
    CHANGE_AGREEMENT,
    ADD_BENEFICIARY,
    "pairings.change_beneficiary",
    "pairings.delete_beneficiary",
    ADD_AGREEMENT_PAYMENT,
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: _CLERK,
    Role.AUDITOR: _VIEW,
    Role.ADMINISTRATOR: _VIEW,
}
