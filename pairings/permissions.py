"""What each role may do with pairing agreements (see unions.permissions)."""

from unions.models import Role

_VIEW = [
    "pairings.view_sponsor",
    "pairings.view_agreement",
    "pairings.view_beneficiary",
    "pairings.view_agreementpayment",
]
_CLERK = [
    *_VIEW,
    "pairings.add_sponsor",
    "pairings.change_sponsor",
    "pairings.add_agreement",
    "pairings.change_agreement",
    "pairings.add_beneficiary",
    "pairings.change_beneficiary",
    "pairings.delete_beneficiary",
    "pairings.add_agreementpayment",
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: _CLERK,
    Role.AUDITOR: _VIEW,
    Role.ADMINISTRATOR: _VIEW,
}
