"""Postings at the same moment on PostgreSQL: the account's row lock makes a second spend wait and see
what the first left, so the same points are never spent twice; postings to different accounts do not
wait for each other, and two first purchases of a month both count in its spend."""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import translation

from wallets import ledger
from wallets.models import Lot

from .factories import LinkedAccountFactory, MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; SQLite's IMMEDIATE transactions let one writer at a time anyway",
    ),
]

DAY = dt.date(2026, 6, 1)


def run_together(*steps) -> None:
    """Run each step in a thread of its own, with its own database connection (closed when the step
    ends), and wait for them all."""

    def run(step) -> None:
        try:
            step()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads), "a step is still waiting after 20 s"


def test_two_concurrent_spends_never_spend_the_same_points():
    account = LinkedAccountFactory(member=MemberFactory(), program="rakuten")
    ledger.earn(account, 100, DAY, available_on=DAY)
    first_spent = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with transaction.atomic():
            ledger.spend(account, 80, DAY)
            first_spent.set()
            time.sleep(0.5)  # hold the lock while the second spend tries
            outcome["first_committed_at"] = time.monotonic()

    def second() -> None:
        translation.activate("en")
        first_spent.wait(5)
        try:
            ledger.spend(account, 80, DAY)
            outcome["second"] = "spent"
        except ValidationError as refused:
            outcome["second"] = refused.messages[0]
        outcome["second_done_at"] = time.monotonic()

    run_together(first, second)

    assert outcome["second"] == "Only 20 楽天ポイント points are available on 2026-06-01; 80 cannot be spent."
    assert outcome["second_done_at"] >= outcome["first_committed_at"]
    assert Lot.objects.get().remaining == 20


def test_two_members_first_purchases_of_a_month_at_the_same_moment_both_count():
    """Different members, different accounts: no lock in common, so both reach the month's spend row at
    once; the second waits for the first's new row and adds to it instead of failing on it."""
    from transactions import posting
    from transactions.models import MonthlySpend
    from transactions.posting import Facts

    alice = MemberFactory()
    bob = MemberFactory(household=alice.household)
    first_posted = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with transaction.atomic():
            posting.log_purchase(Facts(alice, DAY, "東京ガス", 12_000, "amex-green"))
            first_posted.set()
            time.sleep(0.5)  # the month's new row is not committed yet

    def second() -> None:
        first_posted.wait(5)
        try:
            posting.log_purchase(Facts(bob, DAY + dt.timedelta(days=3), "紀伊國屋書店", 3_300, "amex-green"))
            outcome["second"] = "posted"
        except Exception as failed:
            outcome["second"] = repr(failed)

    run_together(first, second)

    assert outcome["second"] == "posted"
    assert MonthlySpend.objects.get(household=alice.household, month=DAY).yen == 15_300
    assert MonthlySpend.objects.differences() == []


def test_an_earning_does_not_wait_for_another_household_earning_in_the_same_programme():
    """Each earning locks its own account's row, not the programme's row that every account shares: a
    household posting 楽天 points does not wait while another household's 楽天 posting is open."""
    ours = LinkedAccountFactory(member=MemberFactory(), program="rakuten")
    theirs = LinkedAccountFactory(member=MemberFactory(), program="rakuten")
    earned = threading.Event()
    outcome: dict[str, float] = {}

    def first() -> None:
        with transaction.atomic():
            ledger.earn(ours, 100, DAY, available_on=DAY)
            earned.set()
            time.sleep(1.0)  # hold our account's lock
            outcome["first_committed_at"] = time.monotonic()

    def second() -> None:
        earned.wait(5)
        ledger.earn(theirs, 50, DAY, available_on=DAY)
        outcome["second_done_at"] = time.monotonic()

    run_together(first, second)

    assert outcome["second_done_at"] < outcome["first_committed_at"]
    assert sorted(Lot.objects.values_list("points", flat=True)) == [50, 100]
