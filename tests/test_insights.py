"""Insights with RULES.md cases: points missed with the wrong card, promises not kept, and what-if spends."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import EarningRule, LotKind
from transactions import posting
from transactions.insights import missed_points, promises
from transactions.posting import Facts
from wallets import ledger
from wallets.balances import holdings_differences
from wallets.models import CampaignEntry, Lot

from .factories import HeldCardFactory, LinkedAccountFactory

D = dt.date
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies["django_language"] = "en"


def gas(member, method="amex-green", day=D(2026, 6, 1), amount=10000):
    return posting.log_purchase(Facts(member=member, day=day, merchant_name="東京ガス", amount=amount, method=method))


def test_tokyo_gas_paid_by_amex_green_misses_50_points_against_a_full_rate_card_held(cast):
    HeldCardFactory(member=cast.alice, method="amex-green")
    HeldCardFactory(member=cast.bob, method="dcard")
    gas(cast.alice)

    report = missed_points(cast.yamada, D(2026, 6, 1), D(2026, 6, 30))

    (row,) = report.rows
    assert (row.actual_points, row.best_points, row.missed_points, row.missed_yen) == (50, 100, 50, 50)
    assert (row.best_member, row.best_card, row.treatment) == ("ボブ", "dcard", "half")
    assert report.by_month == {(D(2026, 6, 1), "アリス"): 50}
    assert report.top_merchants == [("東京ガス", 50, 1)]


def test_nothing_is_missed_when_the_best_card_was_used(cast):
    HeldCardFactory(member=cast.alice, method="amex-green")
    HeldCardFactory(member=cast.bob, method="dcard")
    gas(cast.bob, method="dcard")

    assert missed_points(cast.yamada, D(2026, 6, 1), D(2026, 6, 30)).rows == []


def test_a_merchant_where_every_household_card_is_reduced_is_named(cast):
    HeldCardFactory(member=cast.alice, method="amex-green")
    HeldCardFactory(member=cast.bob, method="amex-gold-preferred")
    gas(cast.alice)

    assert missed_points(cast.yamada, D(2026, 6, 1), D(2026, 6, 30)).every_card_reduced == ["東京ガス"]


def test_caps_already_used_this_year_count_for_the_best_card(cast):
    HeldCardFactory(member=cast.alice, method="marriott-amex")
    posting.log_purchase(
        Facts(member=cast.alice, day=D(2026, 2, 1), merchant_name="国税", amount=3_000_000, method="marriott-amex")
    )
    posting.log_purchase(
        Facts(member=cast.alice, day=D(2026, 3, 1), merchant_name="国税", amount=100_000, method="jcb")
    )

    report = missed_points(cast.yamada, D(2026, 3, 1), D(2026, 3, 31))

    assert report.rows == []  # the marriott card's 3,000,000 yen cap was used up in February


def test_an_au_pay_payout_not_received_by_its_date_is_overdue_until_marked_received(cast):
    CampaignEntry.objects.create(
        member=cast.alice,
        rule=EarningRule.objects.get(slug="aupay-amazon-2026spring"),
        status="first-use",
        entered_on=D(2026, 3, 31),
    )
    posting.log_purchase(
        Facts(
            member=cast.alice,
            day=D(2026, 4, 1),
            merchant_name="Amazon",
            amount=1000,
            method="aupay-net",
            channel="online",
        )
    )

    (promise,) = promises(cast.yamada, D(2026, 6, 30))
    assert (promise.rule, promise.due, promise.lot.points, promise.overdue(D(2026, 6, 30))) == (
        "au PAY × Amazon キャンペーン",
        D(2026, 6, 30),
        300,
        False,
    )
    (late,) = promises(cast.yamada, D(2026, 7, 1))
    assert late.overdue(D(2026, 7, 1))

    ledger.mark_received(late.lot, D(2026, 7, 2))

    assert promises(cast.yamada, D(2026, 7, 3)) == []


def test_reconciling_a_balance_keeps_the_promises_it_includes(cast):
    LinkedAccountFactory(member=cast.alice, program="rakuten")
    posting.log_purchase(
        Facts(
            member=cast.alice,
            day=D(2026, 6, 1),
            merchant_name="楽天市場",
            amount=2200,
            amount_excl_tax=2000,
            method="rakuten-pay",
            channel="online",
        )
    )
    (promise,) = promises(cast.yamada, D(2026, 6, 25))
    assert promise.due == D(2026, 6, 22) and promise.overdue(D(2026, 6, 25))

    ledger.reconcile(promise.lot.account, 20, D(2026, 6, 25))

    assert promises(cast.yamada, D(2026, 6, 25)) == []


def test_a_spend_simulation_matches_the_real_spend_lot_by_lot(cast):
    account = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(account, 300, D(2026, 3, 1), available_on=D(2026, 3, 1))
    ledger.earn(
        account, 100, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 8, 31)
    )
    ledger.earn(
        account, 50, D(2026, 5, 2), available_on=D(2026, 5, 2), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 6, 30)
    )

    simulation = ledger.simulate_spend(account, 200, D(2026, 6, 1))
    planned = [(lot.pk, taken) for lot, taken in simulation.taking]
    spent = ledger.spend(account, 200, D(2026, 6, 1))

    assert planned == list(spent.allocations.order_by("pk").values_list("lot_id", "points"))
    assert [(lot.points, taken) for lot, taken in simulation.taking] == [(50, 50), (100, 100), (300, 50)]
    assert simulation.short == 0
    assert [(lot.points, left) for lot, left in simulation.still_expiring] == [(300, 250)]


def test_simulating_only_period_limited_points_says_what_is_short(cast):
    account = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(
        account, 100, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 8, 31)
    )
    ledger.earn(account, 300, D(2026, 3, 1), available_on=D(2026, 3, 1))

    simulation = ledger.simulate_spend(account, 150, D(2026, 6, 1), only_kinds=[LotKind.PERIOD_LIMITED])

    assert (simulation.covered, simulation.short) == (100, 50)
    assert Lot.objects.get(kind=LotKind.PERIOD_LIMITED).remaining == 100


def test_the_insights_page_keeps_its_query_count(as_carol, cast, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 20, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    HeldCardFactory(member=cast.alice, method="amex-green")
    HeldCardFactory(member=cast.bob, method="dcard")
    gas(cast.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = as_carol.get(reverse("insights"))
        assert response.status_code == 200
        return len(queries)

    few = count()
    for k in range(15):
        gas(cast.alice, day=D(2026, 6, 2 + k), amount=1000 + k)
    assert count() == few
    assert "東京ガス" in as_carol.get(reverse("insights")).content.decode()


def test_an_overdue_promise_shows_on_the_dashboard_and_clears_when_marked_received(as_bob, cast, time_machine):
    CampaignEntry.objects.create(
        member=cast.bob,
        rule=EarningRule.objects.get(slug="aupay-amazon-2026spring"),
        status="returning",
        entered_on=D(2026, 3, 31),
    )
    posting.log_purchase(
        Facts(
            member=cast.bob,
            day=D(2026, 4, 2),
            merchant_name="Amazon",
            amount=3000,
            method="aupay-net",
            channel="online",
        )
    )
    time_machine.move_to(dt.datetime(2026, 7, 2, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)

    board = as_bob.get(reverse("home")).context["board"]
    (late,) = board.overdue
    assert (late.points, late.due, late.member) == (300, D(2026, 6, 30), cast.bob.name)
    (promise,) = promises(cast.yamada, D(2026, 7, 2))  # the insights page marks lots received one by one

    as_bob.post(reverse("lot_received", args=[promise.lot.pk]))

    assert as_bob.get(reverse("home")).context["board"].overdue == []


def test_the_dashboards_promise_snapshot_follows_a_cancellation_and_a_new_promise(as_bob, cast, time_machine):
    CampaignEntry.objects.create(
        member=cast.bob,
        rule=EarningRule.objects.get(slug="aupay-amazon-2026spring"),
        status="returning",
        entered_on=D(2026, 3, 31),
    )

    def order(day):
        return posting.log_purchase(
            Facts(member=cast.bob, day=day, merchant_name="Amazon", amount=3000, method="aupay-net", channel="online")
        )

    first = order(D(2026, 4, 2))
    time_machine.move_to(dt.datetime(2026, 7, 2, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    assert [p.points for p in as_bob.get(reverse("home")).context["board"].overdue] == [300]

    posting.cancel(first, on=D(2026, 7, 2))  # the promise goes with the purchase
    assert as_bob.get(reverse("home")).context["board"].overdue == []
    order(D(2026, 4, 3))  # the cancelled order gave its share of the campaign's 500-point cap back
    order(D(2026, 4, 4))
    (late,) = as_bob.get(reverse("home")).context["board"].overdue  # two promises, one line
    assert (late.points, late.due) == (300 + 200, D(2026, 6, 30))
    assert holdings_differences() == []


def test_the_what_if_page_shows_the_lots_a_spend_would_use(as_carol, cast, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    account = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(account, 300, D(2026, 3, 1), available_on=D(2026, 3, 1))
    ledger.earn(
        account, 100, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 8, 31)
    )

    response = as_carol.get(reverse("wallets:what_if", args=[account.pk]), {"points": "150"}, HTTP_HX_REQUEST="true")

    simulation = response.context["simulation"]
    assert [(lot.kind, taken) for lot, taken in simulation.taking] == [
        (LotKind.PERIOD_LIMITED, 100),
        (LotKind.NORMAL, 50),
    ]
    assert Lot.objects.get(kind=LotKind.NORMAL).remaining == 300
