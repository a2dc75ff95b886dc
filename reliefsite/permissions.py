"""What each role may do with the site itself: unlocking logins is the city office's."""

from unions.models import Role

VIEW_LOGIN_LOCKS = "axes.view_accessattempt"
UNLOCK_LOGINS = "axes.delete_accessattempt"

ROLE_PERMISSIONS = {
    Role.ADMINISTRATOR: [VIEW_LOGIN_LOCKS, UNLOCK_LOGINS],
}
