"""The access log: one append-only row per access to personal data, and the records it
touched (so that "every access to this person" is one indexed lookup)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unions.models import UnionUnit
from unions.querysets import ScopedQuerySet, unit_keys_for

REFUSE_CHANGE = "Access records are never changed or deleted."


class Action(models.TextChoices):
    VIEW = "view", _("opened a person's page")
    HISTORY = "history", _("opened a history page")
    PAST_VERSION = "past_version", _("opened a past version")
    SEARCH_ID = "search_id", _("searched by ID number")
    SEARCH_ID_REFUSED = "search_id_refused", _("searched by ID number (over the limit)")
    EXPORT = "export", _("exported")
    PRINT = "print", _("printed")
    ANONYMISE = "anonymise", _("anonymised")
    ANONYMISE_DRY_RUN = "anonymise_dry_run", _("anonymisation dry run")
    DOWNLOAD = "download", _("downloaded a scanned document")


def sees_whole_log(user) -> bool:
    """City roles (members of the root unit) and superusers see every entry, including
    those that touched no record (a search that found nobody)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.memberships.filter(unit__parent__isnull=True).exists()


class AppendOnlyQuerySet(ScopedQuerySet):
    # The log is evidence: bulk changes through the ORM are refused as on the ledger.
    def update(self, **kwargs):
        raise TypeError(REFUSE_CHANGE)

    def delete(self):
        raise TypeError(REFUSE_CHANGE)


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it is refused, as its
    queryset refuses ``update()`` and ``delete()``."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError(REFUSE_CHANGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(REFUSE_CHANGE)


class AccessRecordQuerySet(AppendOnlyQuerySet):
    scope_field = "targets__unit"

    def for_user(self, user) -> AccessRecordQuerySet:
        """City roles: everything. A unit's head: accesses that touched a record of one of
        their units (or below). Everyone else: nothing (the admin asks the permission)."""
        keys = unit_keys_for(user)
        if keys is None or sees_whole_log(user):
            return self
        touched = AccessTarget.objects.filter(record=OuterRef("pk"), unit__in=keys)
        return self.filter(Exists(touched))

    def about(self, targets: Q) -> AccessRecordQuerySet:
        """Entries with a target matching ``targets`` (a ``Q`` over AccessTarget)."""
        return self.filter(Exists(AccessTarget.objects.filter(targets, record=OuterRef("pk"))))


class AccessRecord(AppendOnlyModel):
    """Who did what to whose personal data, when, from where. Never changed or deleted."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    path = models.CharField(_("page"), max_length=200, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    count = models.PositiveIntegerField(_("records"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-at", "-id"]
        indexes = [
            # The ID-search limit counts one user's searches in the last minutes.
            models.Index(fields=["user", "action", "at"], name="access_user_action_at"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {self.get_action_display()}"


class AccessTargetQuerySet(AppendOnlyQuerySet):
    scope_field = "unit"


class AccessTarget(AppendOnlyModel):
    """One record an access touched (a case, a household member), with the unit that
    owned it then; or, for an ID search, a keyed digest of the number searched (never the
    number itself, so the log holds no ID numbers)."""

    record = models.ForeignKey(AccessRecord, on_delete=models.PROTECT, related_name="targets")
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    unit = models.ForeignKey(
        UnionUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    id_digest = models.CharField(max_length=64, blank=True)

    objects = AccessTargetQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="access_target_object"),
            models.Index(
                fields=["id_digest"], condition=~Q(id_digest=""), name="access_target_digest"
            ),
        ]

    def __str__(self) -> str:
        if self.content_type_id is None:
            return "ID number searched for"
        return f"{self.content_type_id}#{self.object_id}"
