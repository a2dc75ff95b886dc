"""What each role may do with money (see unions.permissions)."""

from unions.models import Role

_CLERK = [
    "funds.view_fund",
    "funds.add_fund",
    "funds.view_ledgerentry",
    "funds.add_ledgerentry",
    "funds.view_disbursement",
    "funds.add_disbursement",
    "funds.change_disbursement",
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: [
        *_CLERK,
        "funds.change_fund",
        "funds.reverse_ledgerentry",
        "funds.allocate_fund",
    ],
    Role.AUDITOR: ["funds.view_fund", "funds.view_ledgerentry", "funds.view_disbursement"],
    Role.ADMINISTRATOR: [
        "funds.view_fund",
        "funds.add_fund",
        "funds.change_fund",
        "funds.view_ledgerentry",
        "funds.add_ledgerentry",
        "funds.reverse_ledgerentry",
        "funds.allocate_fund",
        "funds.view_disbursement",
    ],
}
