"""Who may open the reports and the city audit (see unions.permissions)."""

from unions.models import Role

# Codenames the code checks (user.has_perm) as well as grants.
VIEW_REPORTS = "reports.view_reports"
RUN_AUDIT = "reports.run_audit"

ROLE_PERMISSIONS = {
    Role.CLERK: [VIEW_REPORTS],
    Role.APPROVER: [VIEW_REPORTS],
    Role.AUDITOR: [VIEW_REPORTS, RUN_AUDIT],
    Role.ADMINISTRATOR: [VIEW_REPORTS, RUN_AUDIT],
}
