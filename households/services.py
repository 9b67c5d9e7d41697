"""Household operations that change several rows at once: plain functions, atomic, with user-readable errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Household, Invite, Member, Role, hash_token


@transaction.atomic
def create_household(*, name: str, owner: Any, owner_name: str) -> Member:
    household = Household.objects.create(name=name)
    return Member.objects.create(household=household, name=owner_name, user=owner, role=Role.OWNER)


def find_invite(token: str) -> Invite | None:
    return Invite.objects.select_related("household", "member").filter(token_hash=hash_token(token)).first()


def check_invite(invite: Invite | None) -> None:
    if invite is None:
        raise ValidationError(_("This invite link is not valid. Ask the household's owner for a new one."))
    if invite.is_used:
        raise ValidationError(_("This invite link has already been used. Ask the household's owner for a new one."))
    if invite.is_expired:
        raise ValidationError(_("This invite link has expired. Ask the household's owner for a new one."))


@transaction.atomic
def accept_invite(token: str, user: Any, *, name: str) -> Member:
    """Join the invite's household; the invite is spent by exactly one acceptance."""
    invite = find_invite(token)
    check_invite(invite)
    assert invite is not None
    if Member.objects.filter(household=invite.household, user=user).exists():
        raise ValidationError(_("You are already a member of %(household)s.") % {"household": invite.household})
    # The filtered update is the lock: of two simultaneous acceptances only one changes the row.
    won = Invite.objects.open().filter(pk=invite.pk).update(accepted_at=timezone.now(), accepted_by=user)
    if not won:
        raise ValidationError(_("This invite link has already been used. Ask the household's owner for a new one."))
    if invite.member_id and not invite.member.has_login:
        member = invite.member
        member.user = user
        member.role = invite.role
        member.save(update_fields=["user", "role"])
        return member
    return Member.objects.create(household=invite.household, name=name, user=user, role=invite.role)


def change_role(member: Member, role: str) -> None:
    if member.is_last_owner() and role != Role.OWNER:
        raise ValidationError(_("A household needs at least one owner. Make someone else owner first."))
    member.role = role
    member.save(update_fields=["role"])


def remove_login(member: Member) -> None:
    """Take a member's login out of the household; their points and purchases stay, as a member
    without a login, because nothing money-like is ever deleted with a person's access."""
    if member.is_last_owner():
        raise ValidationError(_("A household needs at least one owner. Make someone else owner first."))
    member.user = None
    member.role = Role.VIEWER
    member.save(update_fields=["user", "role"])


def delete_member(member: Member) -> None:
    if member.has_login:
        raise ValidationError(_("Remove this member's login first."))
    try:
        member.delete()
    except ProtectedError:
        raise ValidationError(
            _("%(name)s has points or purchases recorded, so they cannot be deleted.") % {"name": member.name}
        ) from None
