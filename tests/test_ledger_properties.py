"""Random histories of earning, spending, adjusting, reversing and expiring in a 楽天 account.

Whatever happens: on every day the balance equals the sum of the movements up to that day (less the
points that had expired by then), it is never negative, no lot is spent after it expired, and the
kept `remaining` of every lot, 楽天's rolling expiry chains, the monthly summaries and the balance snapshots equal a rebuild from
the ledger, and balances read from a snapshot equal balances summed from the lots, on any day.
"""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from households.models import Household, Member
from programs.models import LotKind, Program
from wallets import ledger
from wallets.balances import _points_on, balances_on, holdings_differences, points_held
from wallets.models import Allocation, LinkedAccount, Lot, Movement

START = dt.date(2025, 1, 1)

earn_op = st.tuples(
    st.just("earn"),
    st.integers(0, 40),  # days the clock moves on
    st.integers(1, 500),  # points
    st.sampled_from([LotKind.NORMAL, LotKind.NORMAL, LotKind.PERIOD_LIMITED]),
    st.integers(0, 10),  # earned this many days ago (a purchase logged late)
    st.integers(0, 25),  # pending for this many days
    st.integers(0, 120),  # a period-limited lot's life after it becomes available
)
spend_op = st.tuples(st.just("spend"), st.integers(0, 40), st.integers(1, 600), st.booleans())
adjust_op = st.tuples(st.just("adjust"), st.integers(0, 40), st.integers(-300, 300).filter(bool))
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 40), st.integers(0, 50))
expire_op = st.tuples(st.just("expire"), st.integers(0, 40))
histories = st.lists(st.one_of(earn_op, spend_op, adjust_op, reverse_op, expire_op), min_size=1, max_size=30)


def run(account, history) -> dt.date:
    today = START
    for op in history:
        today += dt.timedelta(days=op[1])
        try:
            match op:
                case ("earn", _, points, kind, late, pending, life):
                    earned = today - dt.timedelta(days=late)
                    available = earned + dt.timedelta(days=pending)
                    expires = available + dt.timedelta(days=life) if kind == LotKind.PERIOD_LIMITED else None
                    ledger.earn(account, points, earned, available_on=available, kind=kind, expires_on=expires)
                case ("spend", _, points, only_limited):
                    kinds = [LotKind.PERIOD_LIMITED] if only_limited else None
                    ledger.spend(account, points, today, only_kinds=kinds)
                case ("adjust", _, points):
                    ledger.adjust(account, points, today)
                case ("reverse", _, index):
                    movements = list(Movement.objects.filter(account=account).order_by("pk"))
                    ledger.reverse(movements[index % len(movements)], today)
                case ("expire", _):
                    ledger.record_expiries(today)
        except (ValidationError, IndexError, ZeroDivisionError):
            pass  # a refused movement changes nothing; the invariants below must still hold
        if op[1] % 3 == 0:  # the family looks now and then: a snapshot is made, the next write outdates it
            balances_on(account.member.household, today)
    return today


def summed(rows) -> Counter:
    totals = Counter()
    for account, kind, available, pending_on, expires, points in rows:
        totals[(account, kind, bool(available), pending_on, expires)] += points
    return +totals


def check(account, last_day: dt.date) -> None:
    assert ledger.ledger_differences() == []
    drawn = dict(account.lots.values_list("pk", "expires_on"))
    ledger._rechain(account)  # 楽天's rolling chains, drawn again from every grant that stands
    assert dict(account.lots.values_list("pk", "expires_on")) == drawn
    assert ledger.summary_differences() == []  # the chart's monthly summaries, kept with each movement
    household = account.member.household
    balances_on(household, last_day)  # a current snapshot, as the dashboard leaves it
    assert holdings_differences() == []
    spent_after_expiry = Allocation.objects.filter(
        points__gt=0, movement__kind=Movement.Kind.SPEND, lot__expires_on__lt=F("movement__on")
    )
    assert not spent_after_expiry.exists()
    day = START
    while day <= last_day + dt.timedelta(days=400):
        figures = balances_on(account.member.household, day).household
        held = sum(f.available + f.pending_total for f in figures)
        moved = Movement.objects.filter(account=account, on__lte=day).aggregate(s=Sum("points"))["s"] or 0
        expired_unrecorded = sum(
            lot.points - sum(a.points for a in lot.allocations.all() if a.movement.on <= day)
            for lot in Lot.objects.filter(account=account, earned_on__lte=day, expires_on__lt=day).prefetch_related(
                "allocations__movement"
            )
        )
        assert held >= 0
        assert all(f.available >= 0 for f in figures)
        assert held == moved - expired_unrecorded, day
        fresh = LinkedAccount.objects.get(pk=account.pk)
        horizon = day + dt.timedelta(days=90)
        assert summed(points_held(household, [fresh], day, horizon)) == summed(
            _points_on(household, [fresh], day, horizon)
        ), day
        day += dt.timedelta(days=23)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_the_ledger_keeps_its_invariants_over_random_histories(history):
    with transaction.atomic():
        household = Household.objects.create(name="乱数家")
        member = Member.objects.create(household=household, name="テスト")
        account = LinkedAccount.objects.create(member=member, program=Program.objects.get(slug="rakuten"))
        last_day = run(account, history)
        check(account, last_day)
        transaction.set_rollback(True)
