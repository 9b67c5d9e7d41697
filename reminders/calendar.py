"""A member's private iCalendar feed: when their points expire, and campaign deadlines and payouts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from households.models import Member
from programs.catalog import get_catalog
from programs.models import LotKind
from transactions.insights import promises
from wallets.models import CampaignEntry, Lot


def feed(member: Member, today: dt.date) -> bytes:
    catalog = get_catalog()
    calendar = Calendar()
    calendar.add("prodid", "-//pointbook//reminders//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"pointbook · {member.name}")
    stamp = timezone.now()
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "pointbook"

    expiring: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for slug, kind, day, points in Lot.objects.filter(
        account__member=member, remaining__gt=0, void=False, expires_on__gte=today
    ).values_list("account__program__slug", "kind", "expires_on", "remaining"):
        expiring[(slug, kind, day)] += points
    for (slug, kind, day), points in sorted(expiring.items()):
        program = catalog.programs[slug]
        limited = _("period-limited") if kind == LotKind.PERIOD_LIMITED else ""
        event = Event()
        event.add("uid", f"expiry-{member.pk}-{slug}-{kind}-{day:%Y%m%d}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add(
            "summary",
            _("%(points)s %(program)s points expire %(limited)s")
            % {"points": f"{points:,}", "program": program.name, "limited": limited},
        )
        event.add("description", program.where_to_spend)
        calendar.add_component(event)

    entered = set(CampaignEntry.objects.filter(member=member).values_list("rule__slug", flat=True))
    for rule in catalog.rules:
        if rule.requires_entry and rule.valid_to and rule.valid_to >= today and rule.slug not in entered:
            event = Event()
            event.add("uid", f"campaign-{member.pk}-{rule.slug}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", rule.valid_to)
            event.add("dtend", rule.valid_to + dt.timedelta(days=1))
            event.add("summary", _("Last day: %(campaign)s (entry required)") % {"campaign": rule.name})
            calendar.add_component(event)
    for promise in promises(member.household, today):
        if promise.lot.account.member_id == member.pk and promise.due and promise.due >= today:
            event = Event()
            event.add("uid", f"payout-{promise.lot.pk}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", promise.due)
            event.add("dtend", promise.due + dt.timedelta(days=1))
            event.add(
                "summary",
                _("Due: %(points)s %(program)s (%(rule)s)")
                % {
                    "points": f"{promise.lot.points:,}",
                    "program": promise.lot.account.program.name,
                    "rule": promise.rule,
                },
            )
            calendar.add_component(event)
    return calendar.to_ical()
