from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unions.querysets import ScopedQuerySet, unit_keys_for


class UnitLevel(models.TextChoices):
    CITY = "city", _("city union")
    DISTRICT = "district", _("district or county union")
    SYSTEM = "system", _("enterprise-system union")
    TOWN = "town", _("town or street union")
    GRASSROOTS = "grassroots", _("grassroots union")


class Role(models.TextChoices):
    """The four roles of DOMAIN.md; each is one permission group of the same label."""

    CLERK = "clerk", _("clerk")
    APPROVER = "approver", _("approver")
    AUDITOR = "auditor", _("city auditor")
    ADMINISTRATOR = "administrator", _("city administrator")


CITY_ROLES = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})


class UnionUnitQuerySet(ScopedQuerySet):
    scope_field = "pk"

    def subtree_of(self, units: models.QuerySet) -> UnionUnitQuerySet:
        """``units`` and every unit below them, as one query."""
        ancestors = units.filter(
            models.lookups.StartsWith(OuterRef("tree_path"), models.F("tree_path"))
        )
        return self.filter(Exists(ancestors))


class UnionUnit(models.Model):
    """A union organisation in the city's tree (工会组织)."""

    PATH_STEP = 10  # zero-padded pk per level, so paths sort and prefix-match

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(
        _("short code"),
        max_length=20,
        unique=True,
        help_text=_("Short code used in spreadsheets, e.g. KS."),
    )
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region_code = models.CharField(
        _("administrative region code"),
        max_length=6,
        blank=True,
        help_text=_("Six digits, for district-level units, e.g. 320583 for Kunshan."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "A unit merged into another or dissolved is made inactive, never deleted: "
            "its records and their history stay."
        ),
    )
    # Materialised path of zero-padded primary keys ("0000000001/0000000004/"): a
    # subtree is one prefix match, which is how scope is computed in SQL.
    tree_path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    history = HistoricalRecords(excluded_fields=["tree_path"])
    objects = UnionUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("union unit")
        verbose_name_plural = _("union units")
        ordering = ["tree_path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region_code="") | Q(region_code__regex=r"^[0-9]{6}$"),
                name="unionunit_region_code_six_digits",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self.pk is None:
                # The path is made of primary keys, so a new unit needs its pk first.
                super().save(*args, **kwargs)
                self.tree_path = self._own_path()
                self.skip_history_when_saving = True
                try:
                    super().save(update_fields=["tree_path"])
                finally:
                    del self.skip_history_when_saving
                return
            old_path = self.tree_path
            self.tree_path = self._own_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.tree_path:
                # Moving a unit (a restructure) moves its whole subtree with it.
                UnionUnit.objects.filter(tree_path__startswith=old_path).exclude(
                    pk=self.pk
                ).update(
                    tree_path=Concat(
                        models.Value(self.tree_path),
                        Substr("tree_path", len(old_path) + 1),
                        output_field=models.CharField(),
                    )
                )

    def clean(self) -> None:
        if self.region_code and not (self.region_code.isdigit() and len(self.region_code) == 6):
            raise ValidationError({"region_code": _("Enter six digits.")})
        if self.parent_id is None and self.level != UnitLevel.CITY:
            raise ValidationError({"parent": _("Only the city union has no parent unit.")})
        if self.parent_id is not None and self.pk is not None:
            if self.parent.tree_path.startswith(self.tree_path):
                raise ValidationError(
                    {"parent": _("A unit cannot be placed under itself or a unit below it.")}
                )

    @property
    def depth(self) -> int:
        return self.tree_path.count("/") - 1

    def _own_path(self) -> str:
        parent_path = self.parent.tree_path if self.parent_id else ""
        return f"{parent_path}{self.pk:0{self.PATH_STEP}d}/"

    def ancestors(self) -> UnionUnitQuerySet:
        """This unit and the units above it, top first."""
        prefixes = [self.tree_path[: i + 1] for i, ch in enumerate(self.tree_path) if ch == "/"]
        return UnionUnit.objects.filter(tree_path__in=prefixes).order_by(Length("tree_path"))

    def district(self) -> UnionUnit | None:
        """The district-level (or enterprise-system) unit this unit belongs to."""
        for unit in self.ancestors():
            if unit.level in (UnitLevel.DISTRICT, UnitLevel.SYSTEM):
                return unit
        return None


class UserQuerySet(ScopedQuerySet):
    scope_field = "memberships__unit"

    def for_user(self, user):
        keys = unit_keys_for(user)
        if keys is None:
            return self
        # Staff are visible to a user when one of their units is in that user's scope.
        return self.filter(Exists(Membership.objects.filter(user=OuterRef("pk"), unit__in=keys)))


class RelieferUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A staff member of one or more union units."""

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = RelieferUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return f"{full}（{self.username}）" if full else self.username

    @property
    def roles(self) -> set[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = set(self.memberships.values_list("role", flat=True))
            self._roles_cache = cached
        return cached


class MembershipQuerySet(ScopedQuerySet):
    scope_field = "unit"


class Membership(models.Model):
    """A user's place in a union unit, with the role they hold there."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        UnionUnit,
        verbose_name=_("union unit"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.role in CITY_ROLES and self.unit_id and self.unit.level != UnitLevel.CITY:
            raise ValidationError(
                {"role": _("City auditors and administrators belong to the city union.")}
            )
