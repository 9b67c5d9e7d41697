from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pointbook.tokens import Token

from .scoping import HouseholdOwned, HouseholdQuerySet


class Household(models.Model):
    """A family's shared book (家計). Members belong to it; their accounts and purchases hang off them."""

    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name

    def scoped(self, model: type[HouseholdOwned]) -> HouseholdQuerySet:
        """All rows of `model` that belong to this household — the only way views read them."""
        return model.objects.in_household(self)

    def get_or_404(self, model: type[HouseholdOwned], **lookup: Any) -> Any:
        return get_object_or_404(self.scoped(model), **lookup)


class Role(models.TextChoices):
    # Ordered from least to most rights; `Role.allows` relies on that order.
    VIEWER = "viewer", _("Viewer (reads only)")
    MEMBER = "member", _("Member (adds and edits)")
    OWNER = "owner", _("Owner (everything)")

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


class MemberQuerySet(HouseholdQuerySet):
    def with_login(self) -> MemberQuerySet:
        return self.filter(user__isnull=False)

    def owners(self) -> MemberQuerySet:
        return self.with_login().filter(role=Role.OWNER)


class Member(HouseholdOwned):
    """A person in the household. `user` is empty for a family member without a login (a child whose
    points the parents track); `role` only matters for members who log in."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household", "id"]
        constraints = [
            # A login belongs to a household at most once; a login-less member has no user at all.
            models.UniqueConstraint(
                fields=["household", "user"],
                condition=Q(user__isnull=False),
                name="member_one_login_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_login(self) -> bool:
        return self.user_id is not None

    def can(self, needed: Role) -> bool:
        return self.has_login and Role(self.role).allows(needed)

    def is_last_owner(self) -> bool:
        return (
            self.role == Role.OWNER
            and not Member.objects.owners().filter(household_id=self.household_id).exclude(pk=self.pk).exists()
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InviteQuerySet(HouseholdQuerySet):
    def open(self) -> InviteQuerySet:
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invite(HouseholdOwned):
    """A one-time, expiring link that lets someone log in to the household with a role.

    Only the token's hash is stored: the link is shown once, to the owner who made it. An invite may
    name an existing login-less member (the child who now gets a login) so their points stay theirs.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invites",
        verbose_name=_("for member"),
        help_text=_("Leave empty to add a new member when the invite is accepted."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InviteQuerySet.as_manager()

    class Meta:
        verbose_name = _("invite")
        verbose_name_plural = _("invites")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.household} ({self.get_role_display()})"

    @classmethod
    def issue(
        cls, *, household: Household, role: str, created_by: Any, member: Member | None = None
    ) -> tuple[Invite, str]:
        """Create an invite and return it with its secret token (which is not stored)."""
        token = secrets.token_urlsafe(32)
        invite = cls.objects.create(
            household=household,
            role=role,
            member=member,
            created_by=created_by,
            token_hash=hash_token(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITE_VALID_DAYS),
        )
        return invite, token

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None


class DataVersion(Token):
    """Renewed after every committed write to the data (`households.versioning`), so a dashboard a
    worker keeps (`dashboard.summary.BOARDS`) knows it is stale."""

    class Meta:
        verbose_name = _("data version")
