"""generate_household: years of history written in bulk must be a ledger like any other."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext

from households.models import Household
from programs.models import Program
from transactions.generate import generate
from transactions.models import Purchase
from wallets import ledger
from wallets.models import Allocation, LinkedAccount, Lot, Movement

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def generated(db):
    household, summary = generate("ベンチ家", 3000, seed=1, years=4, today=TODAY, password="pw-bench-1")
    return household, summary


def test_the_history_is_a_ledger_that_rebuilds_to_itself(generated):
    household, summary = generated

    assert household.purchases.count() == summary.purchases == 3000
    assert ledger.ledger_differences() == []
    for account in LinkedAccount.objects.filter(member__household=household):
        moved = account.movements.aggregate(s=Sum("points"))["s"] or 0
        kept = account.lots.aggregate(s=Sum("remaining"))["s"] or 0
        assert moved == kept >= 0, account
    # No spend took points before they were granted or after they expired; expiries are recorded.
    spends = Allocation.objects.filter(movement__kind=Movement.Kind.SPEND)
    assert not spends.filter(movement__on__gt=F("lot__expires_on")).exists()
    assert not spends.filter(movement__on__lt=F("lot__available_on")).exists()
    assert not Lot.objects.filter(remaining__gt=0, expires_on__lt=TODAY).exists()
    assert summary.spent > 0 and summary.expired > 0 and summary.cancelled > 0


def test_rakuten_chains_are_what_the_ledger_itself_would_draw(generated):
    household, _summary = generated
    rolling = LinkedAccount.objects.filter(
        member__household=household, program__normal_expiry=Program.Expiry.ROLLING
    ).select_related("program")
    assert rolling.exists()
    for account in rolling:
        before = dict(account.lots.values_list("pk", "expires_on"))
        ledger._rechain(account)
        assert dict(account.lots.values_list("pk", "expires_on")) == before


def test_a_cancelled_purchase_voided_its_pending_points(generated):
    household, _summary = generated
    cancelled = household.purchases.filter(cancelled_on__isnull=False).first()

    for posting in cancelled.postings.select_related("movement__lot"):
        assert posting.reversed and posting.movement.lot.void
        assert posting.movement.reversed_by.points == -posting.movement.points


def test_the_same_seed_gives_the_same_history(db):
    a, _ = generate("A家", 400, seed=3, years=2, today=TODAY, password="pw-bench-1")
    b, _ = generate("B家", 400, seed=3, years=2, today=TODAY, password="pw-bench-1")

    def history(household):
        return list(
            Purchase.objects.filter(household=household)
            .order_by("day", "id")
            .values_list("day", "merchant_name", "amount", "method__slug", "points_spent")
        )

    assert history(a) == history(b)


def test_the_dashboard_of_a_long_history_takes_no_more_queries(client, generated):
    household, _summary = generated
    small, _ = generate("小さい家", 30, seed=1, years=1, today=TODAY, password="pw-bench-1")

    def count(h: Household) -> int:
        client.force_login(h.members.get(role="owner").user)
        client.get("/")  # the first look makes the balance snapshots of accounts written in bulk
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    assert count(household) == count(small) <= 15


def test_the_command_refuses_a_name_in_use(generated):
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_household", "ベンチ家", "--purchases", "10", stdout=StringIO())
