"""Who reads the access log and the admin's change log: city auditors (everything) and
unit heads (what touched records of their units); nobody changes either."""

from unions.models import Role

VIEW_ACCESS_LOG = "accesslog.view_accessrecord"
VIEW_CHANGE_LOG = "admin.view_logentry"

ROLE_PERMISSIONS = {
    Role.APPROVER: [VIEW_ACCESS_LOG, VIEW_CHANGE_LOG],
    Role.AUDITOR: [VIEW_ACCESS_LOG, VIEW_CHANGE_LOG],
}
