from unions.permissions import sync_user_groups


def membership_changed(sender, instance, **kwargs) -> None:
    """A user's groups follow their memberships' roles."""
    sync_user_groups(instance.user)
