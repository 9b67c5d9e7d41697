"""The daily reminder run: what each member should hear about today, said once and only once.

`prepare(today)` (run daily by `manage.py send_reminders`, from cron or a systemd timer) finds, per
member with a login and the e-mail digest on, what is new to say: points expiring within one of
their lead times, Amazon orders whose points may expire before shipment, campaigns open for entry
they have not entered, promised points overdue. Each item has a key recorded with the digest in
the same transaction (unique per member), so a rerun finds nothing new; the e-mail itself is sent by
a task (Django's tasks framework, database backend, `manage.py db_worker`). A digest a crash left
pending is enqueued again by the next run; one already being sent is never sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from households.models import Member
from programs.catalog import get_catalog
from transactions.insights import promises
from transactions.risks import orders_at_risk
from wallets.models import CampaignEntry, HeldCard, Lot

from .models import Digest, Notice, Preference


@dataclass(frozen=True)
class Expiring:
    program: str
    kind: str
    points: int
    yen: int
    expires_on: dt.date
    where_to_spend: str


@dataclass
class Items:
    keys: list[str]
    expiring: list[Expiring]
    orders: list
    campaigns: list
    overdue: list

    def __bool__(self) -> bool:
        return bool(self.keys)


def due_items(member: Member, preference: Preference, today: dt.date, told: set[str]) -> Items:
    catalog = get_catalog()
    leads = preference.leads
    items = Items([], [], [], [], [])
    lots = (
        Lot.objects.filter(
            account__member=member,
            remaining__gt=0,
            void=False,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=max(leads)),
        )
        .select_related("account__program")
        .order_by("expires_on", "pk")
    )
    grouped: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for lot in lots:
        days = (lot.expires_on - today).days
        keys = [f"lot:{lot.pk}:{lot.expires_on}:{lead}" for lead in leads if days <= lead]
        new = [k for k in keys if k not in told]
        if new:
            items.keys.extend(new)
            grouped[(lot.account.program.slug, lot.kind, lot.expires_on)] += lot.remaining
    for (slug, kind, day), points in sorted(grouped.items(), key=lambda kv: (kv[0][2], kv[0][0])):
        program = catalog.programs[slug]
        items.expiring.append(
            Expiring(program.name, kind, points, program.yen_value(points), day, program.where_to_spend)
        )

    for risk in orders_at_risk(member.household, today):
        key = f"order:{risk.purchase.pk}:{risk.ships_on}"
        if risk.purchase.member_id == member.pk and key not in told:
            items.keys.append(key)
            items.orders.append(risk)

    entered = set(CampaignEntry.objects.filter(member=member).values_list("rule__slug", flat=True))
    held = set(HeldCard.objects.filter(member=member).values_list("method__slug", flat=True))
    for rule in catalog.rules:
        key = f"campaign:{rule.slug}"
        open_now = rule.valid_on(today) or (rule.valid_from > today and rule.valid_from <= today + dt.timedelta(days=7))
        if (
            rule.requires_entry
            and open_now
            and rule.slug not in entered
            and (not rule.methods or rule.methods & held)
            and key not in told
        ):
            items.keys.append(key)
            items.campaigns.append(rule)

    for promise in promises(member.household, today):
        key = f"promise:{promise.lot.pk}"
        if promise.lot.account.member_id == member.pk and promise.overdue(today) and key not in told:
            items.keys.append(key)
            items.overdue.append(promise)
    return items


def prepare(today: dt.date) -> list[Digest]:
    """Write today's digests and enqueue them; returns the digests enqueued (new or left pending)."""
    enqueued = list(Digest.objects.filter(status=Digest.Status.PENDING))
    members = Member.objects.filter(user__isnull=False).exclude(user__email="").select_related("user", "household")
    for member in members:
        preference = Preference.of(member)
        if not preference.email:
            continue
        told = set(Notice.objects.filter(member=member).values_list("key", flat=True))
        items = due_items(member, preference, today, told)
        if not items:
            continue
        try:
            with transaction.atomic():
                digest = _write(member, preference, items, today)
        except IntegrityError:
            continue  # another run told these first
        enqueued.append(digest)
    for digest in enqueued:
        send_digest.enqueue(digest.pk)
    return enqueued


def _write(member: Member, preference: Preference, items: Items, today: dt.date) -> Digest:
    with translation.override(preference.language):
        context = {
            "member": member,
            "items": items,
            "today": today,
            "site": settings.SITE_URL.rstrip("/"),
            "unsubscribe": reverse("reminders_unsubscribe", args=[preference.unsubscribe_token]),
            "calendar": reverse("reminders_calendar", args=[preference.calendar_token]) if preference.calendar else "",
        }
        subject = render_to_string("reminders/digest_subject.txt", context).strip()
        body = render_to_string("reminders/digest.txt", context)
    digest = Digest.objects.create(member=member, day=today, subject=subject[:200], body=body)
    Notice.objects.bulk_create(Notice(member=member, key=key, digest=digest) for key in items.keys)
    return digest


@task
def send_digest(digest_id: int) -> None:
    # Claim it first: a digest is sent by whoever moves it from pending to sending, once.
    if not Digest.objects.filter(pk=digest_id, status=Digest.Status.PENDING).update(status=Digest.Status.SENDING):
        return
    digest = Digest.objects.select_related("member__user", "member__reminder_preference").get(pk=digest_id)
    preference = digest.member.reminder_preference
    unsubscribe = settings.SITE_URL.rstrip("/") + reverse("reminders_unsubscribe", args=[preference.unsubscribe_token])
    EmailMessage(
        subject=digest.subject,
        body=digest.body,
        to=[digest.member.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    ).send()
    Digest.objects.filter(pk=digest_id).update(status=Digest.Status.SENT, sent_at=timezone.now())
