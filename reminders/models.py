"""What each member wants to be told, and what they were told (so nothing is said twice)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from households.models import Member
from households.scoping import HouseholdOwned


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Preference(HouseholdOwned):
    household_lookup = "member__household"

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="reminder_preference")
    lead_days = models.JSONField(_("lead times (days)"), default=list)  # e.g. [30, 7]
    email = models.BooleanField(_("e-mail digest"), default=True)
    calendar = models.BooleanField(_("calendar feed"), default=False)
    language = models.CharField(
        _("language"), max_length=5, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )
    # Secrets in URLs: the calendar feed and the one-click unsubscribe link, each replaceable.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_secret)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_secret)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")

    def __str__(self) -> str:
        return str(self.member)

    @classmethod
    def of(cls, member: Member) -> Preference:
        return cls.objects.get_or_create(member=member, defaults={"lead_days": [30, 7]})[0]

    @property
    def leads(self) -> list[int]:
        return sorted({int(d) for d in self.lead_days or [30, 7]}, reverse=True)


class Digest(HouseholdOwned):
    """One e-mail to one member. Created with its items in one transaction, sent by a task; a digest
    left `pending` by a crash is sent by the next run, never a second one for the same items."""

    household_lookup = "member__household"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.member} {self.day} {self.status}"


class Notice(models.Model):
    """One thing a member was told, e.g. "lot:12:30" (these points, 30 days ahead): never told twice."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=100)
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="notices")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "key"], name="notice_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.key}"
