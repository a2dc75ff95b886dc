"""Who may open the reports and the city audit (see unions.permissions)."""

from unions.models import Role

ROLE_PERMISSIONS = {
    Role.CLERK: ["reports.view_reports"],
    Role.APPROVER: ["reports.view_reports"],
    Role.AUDITOR: ["reports.view_reports", "reports.run_audit"],
    Role.ADMINISTRATOR: ["reports.view_reports", "reports.run_audit"],
}
