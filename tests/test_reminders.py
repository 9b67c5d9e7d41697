"""Reminders: a digest once per points and lead time, a private calendar, one-click unsubscribe."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from icalendar import Calendar

from programs.models import LotKind
from reminders.digests import prepare
from reminders.models import Digest, Preference
from wallets import ledger

from .factories import LinkedAccountFactory

D = dt.date


def at(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, 6, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


@pytest.fixture
def expiring(cast):
    account = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(
        account,
        500,
        D(2026, 10, 1),
        available_on=D(2026, 10, 1),
        kind=LotKind.PERIOD_LIMITED,
        expires_on=D(2026, 12, 31),
    )
    Preference.objects.create(member=cast.alice, lead_days=[30, 7], language="en")
    return account


def run(time_machine, day: dt.date) -> list:
    at(time_machine, day)
    before = len(mail.outbox)
    call_command("send_reminders", "--date", day.isoformat())
    return mail.outbox[before:]


def test_points_expiring_on_12_31_are_told_on_12_01_and_12_24_only(expiring, time_machine):
    sent = {day: run(time_machine, day) for day in (D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 23))}
    sent[D(2026, 12, 24)] = run(time_machine, D(2026, 12, 24))
    sent[D(2026, 12, 25)] = run(time_machine, D(2026, 12, 25))

    assert {day: len(messages) for day, messages in sent.items()} == {
        D(2026, 11, 30): 0,
        D(2026, 12, 1): 1,
        D(2026, 12, 2): 0,
        D(2026, 12, 23): 0,
        D(2026, 12, 24): 1,
        D(2026, 12, 25): 0,
    }
    (first,) = sent[D(2026, 12, 1)]
    assert first.to == ["alice@example.com"]
    assert "- 2026-12-31 楽天ポイント 500 (¥500) [期間限定]" in first.body
    assert "Where to use: 楽天市場" in first.body
    assert first.extra_headers["List-Unsubscribe"].startswith("<http")


def test_rerunning_the_same_day_sends_nothing_new(expiring, time_machine):
    assert len(run(time_machine, D(2026, 12, 1))) == 1
    assert run(time_machine, D(2026, 12, 1)) == []
    assert Digest.objects.count() == 1


def test_spent_points_are_not_told_about(expiring, time_machine):
    ledger.spend(expiring, 500, D(2026, 11, 20))

    assert run(time_machine, D(2026, 12, 1)) == []
    assert run(time_machine, D(2026, 12, 24)) == []


def test_a_digest_left_pending_by_a_crash_is_sent_once_by_the_next_run(expiring, time_machine, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # the worker died
    at(time_machine, D(2026, 12, 1))
    prepare(D(2026, 12, 1))
    assert mail.outbox == [] and Digest.objects.get().status == Digest.Status.PENDING

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert len(run(time_machine, D(2026, 12, 1))) == 1
    assert run(time_machine, D(2026, 12, 1)) == []
    assert Digest.objects.get().status == Digest.Status.SENT


def test_the_digest_is_in_the_members_language(expiring, time_machine):
    Preference.objects.filter(member=expiring.member).update(language="ja")

    (message,) = run(time_machine, D(2026, 12, 1))

    assert message.subject == "pointbook：アリスさん、まもなく失効するポイントがあります"
    assert message.body.startswith("アリスさん\n")
    assert "まもなく失効するポイント：\n- 2026-12-31 楽天ポイント 500 (¥500) [期間限定]" in message.body
    assert "Points that will expire" not in message.body


def test_the_digest_is_in_english_for_a_member_who_chose_it(expiring, time_machine):
    Preference.objects.filter(member=expiring.member).update(language="en")

    (message,) = run(time_machine, D(2026, 12, 1))

    assert message.subject == "pointbook: points to use soon, アリス"
    assert "Points that will expire soon:\n- 2026-12-31 楽天ポイント 500 (¥500)" in message.body


def test_nothing_to_say_sends_nothing(cast, time_machine):
    assert run(time_machine, D(2026, 12, 1)) == []


def test_unsubscribing_is_one_click_without_login(expiring, client, time_machine):
    preference = Preference.objects.get(member=expiring.member)

    response = client.get(reverse("reminders_unsubscribe", args=[preference.unsubscribe_token]))

    assert response.status_code == 200
    preference.refresh_from_db()
    assert preference.email is False
    assert run(time_machine, D(2026, 12, 1)) == []
    assert client.get(reverse("reminders_unsubscribe", args=["not-a-token"])).status_code == 404


def test_the_calendar_feed_parses_and_lists_the_expiry(expiring, client, cast):
    Preference.objects.filter(member=cast.alice).update(calendar=True)
    token = Preference.objects.get(member=cast.alice).calendar_token

    response = client.get(reverse("reminders_calendar", args=[token]))

    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [(e.get("dtstart").dt, str(e.get("summary"))) for e in calendar.walk("VEVENT")]
    assert (D(2026, 12, 31), events[0][1]) == events[0]
    assert "500" in events[0][1]


def test_another_members_or_an_old_calendar_address_is_not_found(as_alice, client, cast):
    Preference.objects.create(member=cast.bob, calendar=True)
    mine = Preference.of(cast.alice)
    mine.calendar = True
    mine.save()
    old = mine.calendar_token

    as_alice.post(reverse("reminders_rotate_calendar"))
    mine.refresh_from_db()

    assert as_alice.get(reverse("reminders_calendar", args=[old])).status_code == 404
    assert as_alice.get(reverse("reminders_calendar", args=[mine.calendar_token])).status_code == 200
    assert as_alice.get(reverse("reminders_calendar", args=["x" + mine.calendar_token])).status_code == 404


def test_a_member_sets_lead_times_and_channels(as_carol, cast):
    response = as_carol.post(
        reverse("reminders_preferences"), {"leads": "14, 3", "email": "on", "calendar": "on", "language": "ja"}
    )

    assert response.status_code == 302
    preference = Preference.objects.get(member=cast.carol)
    assert (preference.leads, preference.calendar) == ([14, 3], True)
    bad = as_carol.post(reverse("reminders_preferences"), {"leads": "0, abc", "language": "ja"})
    assert bad.status_code == 200 and "leads" in bad.context["form"].errors
