from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class UnionsConfig(AppConfig):
    name = "unions"
    verbose_name = _("Union units and staff")

    def ready(self) -> None:
        from unions import signals
        from unions.models import Membership, UnionUnit
        from unions.permissions import sync_role_groups
        from unions.querysets import forget_listed_scopes

        post_migrate.connect(sync_role_groups, dispatch_uid="unions.sync_role_groups")
        post_save.connect(signals.membership_changed, sender=Membership)
        post_delete.connect(signals.membership_changed, sender=Membership)
        # A scope listed earlier in the request would be stale (unions.querysets).
        for model in (Membership, UnionUnit):
            post_save.connect(forget_listed_scopes, sender=model)
            post_delete.connect(forget_listed_scopes, sender=model)
