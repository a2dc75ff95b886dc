"""What each role may do with money (see unions.permissions)."""

from unions.models import Role

# Codenames the code checks (user.has_perm) as well as grants.
ADD_FUND = "funds.add_fund"
ADD_LEDGER_ENTRY = "funds.add_ledgerentry"
REVERSE_LEDGER_ENTRY = "funds.reverse_ledgerentry"
ALLOCATE_FUND = "funds.allocate_fund"
ADD_DISBURSEMENT = "funds.add_disbursement"
CHANGE_DISBURSEMENT = "funds.change_disbursement"

_CLERK = [
    "funds.view_fund",
    ADD_FUND,
    "funds.view_ledgerentry",
    ADD_LEDGER_ENTRY,
    "funds.view_disbursement",
    ADD_DISBURSEMENT,
    CHANGE_DISBURSEMENT,
]

ROLE_PERMISSIONS = {
    Role.CLERK: _CLERK,
    Role.APPROVER: [
        *_CLERK,
        "funds.change_fund",
        REVERSE_LEDGER_ENTRY,
        ALLOCATE_FUND,
    ],
    Role.AUDITOR: ["funds.view_fund", "funds.view_ledgerentry", "funds.view_disbursement"],
    Role.ADMINISTRATOR: [
        "funds.view_fund",
        ADD_FUND,
        "funds.change_fund",
        "funds.view_ledgerentry",
        ADD_LEDGER_ENTRY,
        REVERSE_LEDGER_ENTRY,
        ALLOCATE_FUND,
        "funds.view_disbursement",
    ],
}
