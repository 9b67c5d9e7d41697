"""The point ledger with RULES.md's figures: pending → available, expiry, spending order, corrections."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from programs.catalog import get_catalog
from programs.engine import Context, Payment, earn
from programs.models import LotKind
from wallets import ledger
from wallets.balances import balances_on
from wallets.models import Allocation, Lot, MonthlyEarning, Movement

from .factories import LinkedAccountFactory

D = dt.date

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def rakuten(cast):
    return LinkedAccountFactory(member=cast.alice, program="rakuten")


@pytest.fixture
def dpoint(cast):
    return LinkedAccountFactory(member=cast.alice, program="dpoint")


def figures(account, day):
    return next(row.figures for row in balances_on(account.member.household, day).accounts if row.account == account)


def post(account, earning, on):
    return ledger.earn(
        account,
        earning.points,
        on,
        available_on=earning.available_on,
        kind=earning.kind,
        expires_on=earning.expires_on,
        reason=" ".join(earning.reasons),
    )


def ledger_state():
    return (
        list(Movement.objects.order_by("pk").values()),
        list(Lot.objects.order_by("pk").values()),
        list(Allocation.objects.order_by("pk").values()),
    )


def test_rakuten_points_are_pending_on_day_20_and_available_on_day_21(rakuten):
    payment = Payment(
        date=D(2026, 6, 1), merchant="楽天市場", amount=2200, amount_excl_tax=2000, method="jcb", channel="online"
    )
    (earning,) = [e for e in earn(payment, get_catalog(), Context(linked_programs={"rakuten"})).earnings if e.points]
    post(rakuten, earning, payment.date)

    day_20 = figures(rakuten, D(2026, 6, 21))
    assert (day_20.available, day_20.pending_total) == (0, 20)
    assert day_20.pending[0].available_on == D(2026, 6, 22)
    day_21 = figures(rakuten, D(2026, 6, 22))
    assert (day_21.available, day_21.pending_total) == (20, 0)


def test_rakuten_normal_points_expire_together_counting_the_month_of_the_latest_grant(rakuten):
    ledger.earn(rakuten, 100, D(2025, 12, 1), available_on=D(2025, 12, 22))
    ledger.earn(rakuten, 50, D(2026, 2, 17), available_on=D(2026, 3, 10))

    assert set(Lot.objects.values_list("expires_on", flat=True)) == {D(2027, 2, 28)}
    assert figures(rakuten, D(2027, 2, 28)).available == 150
    assert figures(rakuten, D(2027, 3, 1)).available == 0

    ledger.earn(rakuten, 10, D(2026, 11, 20), available_on=D(2026, 12, 11))

    assert set(Lot.objects.values_list("expires_on", flat=True)) == {D(2027, 11, 30)}
    assert figures(rakuten, D(2027, 3, 1)).available == 160
    assert figures(rakuten, D(2027, 12, 1)).available == 0


def test_a_grant_after_the_points_expired_does_not_bring_them_back(rakuten):
    ledger.earn(rakuten, 100, D(2025, 1, 1), available_on=D(2025, 1, 22))  # expires 2025-12-31
    ledger.earn(rakuten, 10, D(2025, 12, 20), available_on=D(2026, 1, 10))

    assert figures(rakuten, D(2026, 1, 10)).available == 10
    assert Lot.objects.get(points=100).expires_on == D(2025, 12, 31)


def test_a_known_pending_grant_keeps_older_points_from_showing_as_expiring(rakuten):
    ledger.earn(rakuten, 100, D(2026, 2, 17), available_on=D(2026, 3, 10))
    ledger.earn(rakuten, 30, D(2027, 2, 1), available_on=D(2027, 2, 22))

    soon = figures(rakuten, D(2027, 2, 1))
    assert soon.expiring_within(90) == 0
    assert soon.available == 100 and soon.pending_total == 30


def test_a_grant_recorded_late_joins_the_chain_it_bridges(rakuten):
    ledger.earn(rakuten, 100, D(2025, 1, 1), available_on=D(2025, 1, 22))  # alone: expires 2025-12-31
    ledger.earn(rakuten, 20, D(2026, 1, 20), available_on=D(2026, 2, 10))  # after it expired
    ledger.earn(rakuten, 5, D(2025, 11, 20), available_on=D(2025, 12, 11))  # recorded last, bridges both

    assert set(Lot.objects.values_list("expires_on", flat=True)) == {D(2027, 1, 31)}
    assert figures(rakuten, D(2026, 6, 1)).available == 125


def test_a_batch_draws_the_chain_of_its_grants_before_a_spend_reads_them(rakuten):
    batch = ledger.Batch()  # as an import posts: the grants wait, and their chain is drawn once
    with transaction.atomic():
        ledger.earn(rakuten, 100, D(2025, 12, 1), available_on=D(2025, 12, 22), batch=batch)  # alone: to 2026-11-30
        ledger.earn(rakuten, 50, D(2026, 2, 17), available_on=D(2026, 3, 10), batch=batch)  # chained: to 2027-02-28
        ledger.spend(rakuten, 120, D(2027, 1, 15), batch=batch)
        batch.flush()

    assert set(Lot.objects.values_list("expires_on", flat=True)) == {D(2027, 2, 28)}
    assert figures(rakuten, D(2027, 1, 15)).available == 30


@pytest.mark.parametrize("read_between", [False, True])
def test_a_batch_spends_from_lots_it_holds_and_follows_their_chain_and_reversals(rakuten, read_between):
    """A batch reads an account's lots once for all its spends; a later grant that extends their chain
    (drawn in memory, or in the database for a reader in between), and a reversal that gives points
    back, reach the lots it holds."""
    batch = ledger.Batch()
    with transaction.atomic():
        ledger.earn(rakuten, 100, D(2025, 1, 1), available_on=D(2025, 1, 10), batch=batch)  # alone: to 2025-12-31
        first = ledger.spend(rakuten, 10, D(2025, 2, 1), batch=batch)  # the batch now holds the lots
        ledger.earn(rakuten, 50, D(2025, 11, 20), available_on=D(2025, 12, 15), batch=batch)  # both: to 2026-11-30
        if read_between:  # as an order not shipped yet checks the points available in the database
            batch.ready(rakuten.pk)
        ledger.spend(rakuten, 140, D(2026, 1, 5), batch=batch)  # 90 of them only usable by the extension
        ledger.reverse(first, D(2026, 2, 1), batch=batch)  # 10 back
        ledger.spend(rakuten, 10, D(2026, 3, 1), batch=batch)
        batch.flush()

    assert set(Lot.objects.values_list("expires_on", flat=True)) == {D(2026, 11, 30)}
    assert list(Lot.objects.order_by("pk").values_list("remaining", flat=True)) == [0, 0]
    assert ledger.ledger_differences() == []


@pytest.mark.parametrize("batched", [False, True])
def test_equal_lots_are_spent_oldest_first_even_while_they_wait_in_a_batch(dpoint, batched):
    """Lots of the same kind, expiry and availability go in the order they were earned: in a batch, the
    lots earned after its first spend are not written yet when the next spend takes from them."""
    batch = ledger.Batch() if batched else None
    with transaction.atomic():
        ledger.earn(dpoint, 100, D(2026, 6, 1), available_on=D(2026, 6, 1), batch=batch)
        ledger.spend(dpoint, 50, D(2026, 6, 2), batch=batch)  # a batch now holds the account's lots
        ledger.earn(dpoint, 100, D(2026, 6, 1), available_on=D(2026, 6, 1), batch=batch)
        ledger.earn(dpoint, 100, D(2026, 6, 1), available_on=D(2026, 6, 1), batch=batch)
        spent = ledger.spend(dpoint, 200, D(2026, 6, 3), batch=batch)
        if batch:
            batch.flush()

    lots = list(Lot.objects.order_by("pk").values_list("pk", flat=True))
    assert list(spent.allocations.order_by("pk").values_list("lot", "points")) == [
        (lots[0], 50),
        (lots[1], 100),
        (lots[2], 50),
    ]
    assert list(Lot.objects.order_by("pk").values_list("remaining", flat=True)) == [0, 0, 50]
    assert figures(dpoint, D(2026, 6, 3)).available == 50
    assert ledger.ledger_differences() == []


def test_spending_takes_period_limited_points_first(rakuten):
    ledger.earn(rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(
        rakuten, 100, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 8, 31)
    )

    ledger.spend(rakuten, 150, D(2026, 6, 1))

    assert dict(Lot.objects.values_list("kind", "remaining")) == {LotKind.PERIOD_LIMITED: 0, LotKind.NORMAL: 250}
    assert figures(rakuten, D(2026, 6, 1)).available == 250


def test_within_a_kind_the_soonest_expiry_goes_first(rakuten):
    later = ledger.earn(
        rakuten, 50, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 9, 30)
    )
    sooner = ledger.earn(
        rakuten, 50, D(2026, 5, 2), available_on=D(2026, 5, 2), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 6, 30)
    )

    ledger.spend(rakuten, 60, D(2026, 6, 1))

    assert Lot.objects.get(earned_by=sooner).remaining == 0
    assert Lot.objects.get(earned_by=later).remaining == 40


def test_a_member_can_spend_only_period_limited_points(rakuten):
    ledger.earn(rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(
        rakuten, 100, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 8, 31)
    )
    ledger.spend(rakuten, 80, D(2026, 6, 1), only_kinds=[LotKind.PERIOD_LIMITED])
    before = ledger_state()

    with pytest.raises(ValidationError, match="Only 20 period-limited"):
        ledger.spend(rakuten, 30, D(2026, 6, 1), only_kinds=[LotKind.PERIOD_LIMITED])

    assert ledger_state() == before
    assert figures(rakuten, D(2026, 6, 1)).available == 320


def test_spending_more_than_is_available_is_refused_and_changes_nothing(rakuten):
    ledger.earn(rakuten, 100, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(rakuten, 500, D(2026, 5, 20), available_on=D(2026, 6, 10))  # still pending on 6/1
    before = ledger_state()

    with pytest.raises(ValidationError) as refused:
        ledger.spend(rakuten, 101, D(2026, 6, 1))

    assert "Only 100 楽天ポイント points are available on 2026-06-01; 101 cannot be spent." in refused.value.messages
    assert ledger_state() == before


def test_super_kangen_points_granted_on_7_31_expire_on_11_3(dpoint):
    payment = Payment(date=D(2026, 5, 20), merchant="ローソン", amount=1000, method="d-barai", funding="dcard")
    context = Context(bonus_percent=Decimal(7), entries={"dpoint-super-kangen": ""})
    result = earn(payment, get_catalog(), context)
    for earning in result.earnings:
        post(dpoint, earning, payment.date)

    lot = Lot.objects.get(kind=LotKind.PERIOD_LIMITED)
    assert (lot.points, lot.available_on, lot.expires_on) == (70, D(2026, 7, 31), D(2026, 11, 3))
    assert [(p.points, p.available_on) for p in figures(dpoint, D(2026, 7, 30)).pending] == [(70, D(2026, 7, 31))]
    assert figures(dpoint, D(2026, 11, 3)).available == 85
    assert figures(dpoint, D(2026, 11, 4)).available == 15
    assert [(e.points, e.expires_on, e.kind) for e in figures(dpoint, D(2026, 10, 10)).expiring] == [
        (70, D(2026, 11, 3), LotKind.PERIOD_LIMITED)
    ]


def test_expired_points_leave_the_balance_on_their_date_and_the_job_only_records_it(dpoint):
    ledger.earn(
        dpoint, 70, D(2026, 5, 20), available_on=D(2026, 7, 31), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 11, 3)
    )

    assert figures(dpoint, D(2026, 11, 4)).available == 0
    assert ledger.record_expiries(D(2026, 11, 4)) == 70
    assert ledger.record_expiries(D(2026, 11, 4)) == 0

    expiry = Movement.objects.get(kind=Movement.Kind.EXPIRE)
    assert (expiry.points, expiry.on) == (-70, D(2026, 11, 4))
    assert figures(dpoint, D(2026, 11, 3)).available == 70
    assert figures(dpoint, D(2026, 11, 4)).available == 0


def test_reconciling_records_the_difference_with_the_date_and_who(rakuten, cast):
    ledger.earn(rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))

    movement = ledger.reconcile(rakuten, 312, D(2026, 6, 1), by=cast.bob.user)

    assert (movement.kind, movement.points, movement.on, movement.created_by) == (
        Movement.Kind.ADJUST,
        12,
        D(2026, 6, 1),
        cast.bob.user,
    )
    assert "312" in movement.note and "300" in movement.note
    assert figures(rakuten, D(2026, 6, 1)).available == 312
    assert ledger.reconcile(rakuten, 312, D(2026, 6, 1), by=cast.bob.user) is None

    ledger.reconcile(rakuten, 250, D(2026, 6, 2), by=cast.alice.user)
    assert figures(rakuten, D(2026, 6, 2)).available == 250


def test_a_spend_is_corrected_by_a_reversal_that_gives_the_points_back(rakuten):
    ledger.earn(rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))
    spent = ledger.spend(rakuten, 100, D(2026, 6, 1))

    undo = ledger.reverse(spent, D(2026, 6, 2), note="typo")

    assert undo.points == 100 and undo.reverses == spent
    assert Movement.objects.count() == 3
    assert figures(rakuten, D(2026, 6, 1)).available == 200
    assert figures(rakuten, D(2026, 6, 2)).available == 300
    with pytest.raises(ValidationError, match="already been reversed"):
        ledger.reverse(spent, D(2026, 6, 3))


def test_reversing_a_pending_earning_voids_its_lot_and_its_expiry_extension(rakuten):
    ledger.earn(rakuten, 100, D(2026, 2, 17), available_on=D(2026, 3, 10))
    pending = ledger.earn(rakuten, 30, D(2026, 11, 20), available_on=D(2026, 12, 11))
    assert Lot.objects.get(points=100).expires_on == D(2027, 11, 30)

    ledger.reverse(pending, D(2026, 11, 25))

    assert Lot.objects.get(points=100).expires_on == D(2027, 2, 28)
    assert figures(rakuten, D(2026, 12, 11)).available == 100
    assert figures(rakuten, D(2026, 12, 11)).pending == []


def test_earned_points_already_spent_cannot_be_taken_back_beyond_the_balance(rakuten):
    earned = ledger.earn(rakuten, 100, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.spend(rakuten, 80, D(2026, 5, 2))
    before = ledger_state()

    with pytest.raises(ValidationError, match="only 20"):
        ledger.reverse(earned, D(2026, 5, 3))

    assert ledger_state() == before


def test_earned_points_partly_spent_are_taken_back_from_the_points_left(rakuten):
    earned = ledger.earn(rakuten, 100, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(rakuten, 200, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.spend(rakuten, 150, D(2026, 5, 2))

    undo = ledger.reverse(earned, D(2026, 5, 3))

    assert undo.points == -100
    assert figures(rakuten, D(2026, 5, 3)).available == 50


def test_the_monthly_summary_follows_earnings_and_their_reversals_and_check_ledger_catches_a_drift(rakuten):
    first = ledger.earn(rakuten, 120, D(2026, 3, 10), available_on=D(2026, 3, 10))
    ledger.earn(rakuten, 30, D(2026, 3, 20), available_on=D(2026, 3, 20))
    ledger.reverse(first, D(2026, 4, 2))  # taken back in April: March's earnings lose it

    assert list(MonthlyEarning.objects.values_list("month", "points")) == [(D(2026, 3, 1), 30)]
    call_command("check_ledger", stdout=StringIO())

    MonthlyEarning.objects.update(points=31)
    with pytest.raises(CommandError, match="1 monthly summaries, 0 balance snapshot"):
        call_command("check_ledger", stdout=StringIO())
