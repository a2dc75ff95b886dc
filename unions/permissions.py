"""Roles and the permissions each one holds.

Each project app declares ``ROLE_PERMISSIONS`` in its own ``permissions.py``; after every
migrate the four groups are rebuilt from those declarations, so a group's permissions are
never edited by hand (see :func:`sync_role_groups`).
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from unions.models import Role

# Group names are what DOMAIN.md calls the roles; they are data, shown as stored.
ROLE_GROUP_NAMES: dict[str, str] = {
    Role.CLERK: "经办人",
    Role.APPROVER: "负责人",
    Role.AUDITOR: "市总审计",
    Role.ADMINISTRATOR: "市总管理员",
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLERK: [
        "unions.view_unionunit",
        "unions.view_user",
        "unions.view_membership",
    ],
    Role.APPROVER: [
        "unions.view_unionunit",
        "unions.view_user",
        "unions.view_membership",
    ],
    Role.AUDITOR: [
        "unions.view_unionunit",
        "unions.view_user",
        "unions.view_membership",
    ],
    Role.ADMINISTRATOR: [
        "unions.view_unionunit",
        "unions.add_unionunit",
        "unions.change_unionunit",
        "unions.view_user",
        "unions.add_user",
        "unions.change_user",
        "unions.view_membership",
        "unions.add_membership",
        "unions.change_membership",
        "unions.delete_membership",
    ],
}


def declared_role_permissions() -> dict[str, set[tuple[str, str]]]:
    """Every app's ``ROLE_PERMISSIONS`` merged, as (app_label, codename) pairs per role."""
    merged: dict[str, set[tuple[str, str]]] = {role: set() for role in Role.values}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "permissions"):
            continue
        module = import_module(f"{config.name}.permissions")
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            for perm in perms:
                app_label, codename = perm.split(".", 1)
                merged[role].add((app_label, codename))
    return merged


def sync_role_groups(**kwargs) -> None:
    """Create the four groups and give each exactly its declared permissions."""
    from django.contrib.auth.models import Group, Permission

    declared = declared_role_permissions()
    wanted = set().union(*declared.values())
    by_key = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
    }
    for role, perms in declared.items():
        group, _ = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        group.permissions.set([by_key[key] for key in perms if key in by_key])


def sync_user_groups(user) -> None:
    """Put ``user`` in exactly the groups of the roles their memberships give them."""
    from django.contrib.auth.models import Group

    roles = set(user.memberships.values_list("role", flat=True))
    groups = Group.objects.filter(name__in=[ROLE_GROUP_NAMES[r] for r in roles])
    user.groups.set(groups)
    is_staff = bool(roles) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    user._roles_cache = None
