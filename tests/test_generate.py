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
from transactions import csv_io
from transactions.generate import empty_copy, generate
from transactions.models import MonthlySpend, Purchase
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
    assert MonthlySpend.objects.differences() == []  # the dashboard's month spend, summed once at the end
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


def test_its_purchases_imported_into_an_empty_copy_earn_what_they_earned_there(db):
    """The generator's in-memory ledger and the import's posting path agree: the export of two years of
    generated purchases (spends, cancellations, Amazon orders included), imported into a household with
    the same members, cards, accounts, entries and bonuses, earns the same points in every account."""
    household, _summary = generate("元の家", 500, seed=3, years=2, today=TODAY, password="pw-bench-1")
    copy = empty_copy(household, "写しの家", password="pw-bench-2")

    checked = csv_io.apply(copy, csv_io.BytesSource("".join(csv_io.export(household)).encode()))

    def earned(h: Household) -> dict:
        rows = (
            h.scoped(Movement)
            .filter(kind=Movement.Kind.EARN)
            .values_list("account__member__name", "account__program__slug")
            .annotate(points=Sum("points"))
            .order_by()
        )
        return {(member, program): points for member, program, points in rows}

    assert checked.new == 500
    assert earned(copy) == earned(household) != {}
    assert copy.purchases.exclude(cancelled_on=None).count() == household.purchases.exclude(cancelled_on=None).count()
    # the import kept the copy's month spends as it went; they equal the original's, summed at the end
    spends = dict(MonthlySpend.objects.filter(household=household).values_list("month", "yen"))
    assert dict(MonthlySpend.objects.filter(household=copy).values_list("month", "yen")) == spends != {}


def test_a_ten_year_history_earns_points_from_its_first_year(db):
    household, _summary = generate("十年家", 600, seed=2, years=10, today=TODAY, password="pw-bench-1")
    start = TODAY.replace(year=TODAY.year - 10)

    def year(k):  # purchases and the points they earned, in the history's k-th year
        since, until = start.replace(year=start.year + k), start.replace(year=start.year + k + 1)
        purchases = household.scoped(Purchase).filter(day__gte=since, day__lt=until).count()
        lots = household.scoped(Lot).filter(earned_by__posting__purchase__day__gte=since)
        return purchases, lots.filter(earned_by__posting__purchase__day__lt=until).count()

    (first, first_lots), (last, last_lots) = year(0), year(9)
    assert first > 30 and last > 30
    # The same cards at the same shops earn then as now (a purchase may earn more than one lot, from
    # its card and from a shop's programme): not nothing, as when the catalog's rates began in 2019.
    assert first_lots / first > 0.5 * last_lots / last > 0.3, (year(0), year(9))
