"""The household dashboard and 「どのカード?」, against a household built with factories and the real engine."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import EarningRule, LotKind
from transactions import posting
from transactions.posting import Facts
from wallets import ledger
from wallets.models import CampaignEntry, CycleBonus

from .factories import HeldCardFactory, LinkedAccountFactory

D = dt.date
TODAY = D(2026, 6, 1)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def family(cast):
    rakuten = LinkedAccountFactory(member=cast.alice, program="rakuten")
    dpoint = LinkedAccountFactory(member=cast.bob, program="dpoint")
    ledger.earn(rakuten, 1200, D(2026, 3, 1), available_on=D(2026, 3, 10))  # normal: expires 2027-02-28
    ledger.earn(
        rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 6, 20)
    )
    ledger.earn(
        dpoint, 80, D(2026, 2, 1), available_on=D(2026, 2, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 5, 15)
    )
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
    return {"rakuten": rakuten, "dpoint": dpoint}


def board(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context["board"], response.content.decode()


def test_available_and_pending_rakuten_points_are_shown_side_by_side(as_carol, family, time_machine):
    time_machine.move_to(
        dt.datetime(2026, 6, 2, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False
    )  # 獲得予定 from the next day

    data, html = board(as_carol)

    (rakuten,) = [f for f in data.balances.household if f.program.slug == "rakuten"]
    assert (rakuten.available, rakuten.available_yen) == (1500, 1500)
    assert [(p.points, p.available_on) for p in rakuten.pending] == [(20, D(2026, 6, 22))]
    assert '<strong class="available">1,500</strong> <span class="role">¥1,500</span>' in html
    assert '20 <span class="role">from 2026-06-22</span>' in html


def test_expiry_warnings_come_soonest_first_with_the_kind_and_where_to_spend(as_carol, family):
    data, html = board(as_carol)

    assert [(w.member, w.points, w.expires_on, w.kind) for w in data.warnings] == [
        ("アリス", 300, D(2026, 6, 20), LotKind.PERIOD_LIMITED)
    ]
    assert data.warnings[0].where_to_spend.startswith("楽天市場")
    assert '<li class="limited">' in html


def test_points_lost_last_month_are_shown_once(as_carol, family):
    data, _html = board(as_carol)

    assert [(lost.member, lost.points, lost.expired_on) for lost in data.lost] == [("ボブ", 80, D(2026, 5, 15))]


def test_the_timeline_counts_what_expires_in_each_of_the_next_six_months(as_carol, family):
    data, _html = board(as_carol)

    assert data.timeline[0] == (D(2026, 6, 1), 300, 300)
    assert [month for month, _total, _limited in data.timeline] == [
        D(2026, 6, 1),
        D(2026, 7, 1),
        D(2026, 8, 1),
        D(2026, 9, 1),
        D(2026, 10, 1),
        D(2026, 11, 1),
    ]


def test_this_month_points_and_effective_return(as_carol, family):
    data, _html = board(as_carol)

    assert data.month_points == {"楽天ポイント": 20}
    assert (data.month_spend, data.month_yen, data.effective_rate) == (2200, 20, Decimal("0.91"))
    # The chart counts points in the month they are earned (this purchase's, pending from 6/2, in June),
    # from the monthly summaries: its last bar is this month's points.
    assert data.chart.series["楽天ポイント"][-1] == 20
    assert data.chart.series["楽天ポイント"][-4] == 1200  # March


def test_super_kangen_cycle_shows_eligible_spend_against_the_cap(as_bob, cast):
    rule = EarningRule.objects.get(slug="dpoint-super-kangen")
    CampaignEntry.objects.create(member=cast.bob, rule=rule, entered_on=D(2020, 1, 1))
    CycleBonus.objects.create(member=cast.bob, rule=rule, cycle_start=D(2026, 5, 10), percent=Decimal(7))
    for amount in (10_000, 8_000):
        posting.log_purchase(
            Facts(
                member=cast.bob,
                day=D(2026, 5, 20),
                merchant_name="ローソン",
                amount=amount,
                method="d-barai",
                funding="dcard",
            )
        )

    data, _html = board(as_bob)

    (cycle,) = data.cycles
    assert (cycle.start, cycle.end, cycle.cap_yen, cycle.spent_yen) == (D(2026, 5, 10), D(2026, 6, 9), 15000, 15000)
    assert (cycle.points_to_come, cycle.grant_on) == (1050, D(2026, 7, 31))


def test_risks_list_auto_use_campaigns_not_entered_and_payouts_due(as_alice, cast, time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    LinkedAccountFactory(member=cast.alice, program="dpoint", amazon_link=True, amazon_auto_use=True)
    HeldCardFactory(member=cast.bob, method="aupay-net")
    HeldCardFactory(member=cast.alice, method="aupay-net")
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

    data, html = board(as_alice)

    assert [a.program.slug for a in data.auto_use] == ["dpoint"]
    assert [(p.points, p.due) for p in data.payouts] == [(300, D(2026, 6, 30))]
    assert "due by 2026-06-30" in html


def test_a_campaign_for_a_card_we_hold_but_did_not_enter_is_listed(as_alice, cast, time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 1, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    HeldCardFactory(member=cast.bob, method="aupay-net")

    data, _html = board(as_alice)

    assert [rule.slug for rule in data.not_entered] == ["aupay-amazon-2026spring"]


def test_the_dashboard_takes_the_same_number_of_queries_however_long_the_history(as_carol, cast, family):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board(as_carol)
        return len(queries)

    small_after_writes, small = count(), count()
    account = family["rakuten"]
    for k in range(40):
        day = D(2025, 6, 1) + dt.timedelta(days=9 * k)
        ledger.earn(account, 10 + k, day, available_on=day)
        if k % 3 == 0:
            ledger.spend(account, 5, day)
        posting.log_purchase(
            Facts(member=cast.bob, day=day, merchant_name="東京ガス", amount=5000 + k, method="amex-green")
        )
    large_after_writes, large = count(), count()

    assert (small, small_after_writes) == (large, large_after_writes)
    # session, user, memberships (the current one and the nav's switcher), catalog version; then accounts,
    # balance snapshots, entries, promises (payouts and cycle points come from them), lost last month, open
    # orders, cards held, cycle uses, the monthly summaries (chart and this month), this month's spend.
    assert large <= 14
    # The first look after a write also rebuilds the written accounts' snapshots from their lots: a
    # transaction that locks them, reads their lots, open promises and last movements, and rewrites
    # both snapshots.
    assert large_after_writes - large <= 11


def quote_json(merchant: str, amount: int, cards: list[str]) -> list[dict]:
    out = StringIO()
    args = ["--merchant", merchant, "--amount", str(amount), "--date", "2026-06-01", "--json"]
    for card in cards:
        args += ["--card", card]
    call_command("quote", *args, stdout=out)
    return json.loads(out.getvalue())


def test_which_card_ranks_our_cards_and_marks_tokyo_gas_half_and_nhk_excluded(as_carol, cast):
    HeldCardFactory(member=cast.alice, method="amex-green")
    HeldCardFactory(member=cast.bob, method="marriott-amex-premium")

    gas = as_carol.get(reverse("which_card"), {"merchant": "Tokyo Gas", "amount": "10000"}).context["result"]
    nhk = as_carol.get(reverse("which_card"), {"merchant": "NHK", "amount": "10000"}).context["result"]

    assert [(h.member, h.quote.card, h.quote.points, h.quote.treatment) for h in gas.held] == [
        ("ボブ", "marriott-amex-premium", 150, "half"),
        ("アリス", "amex-green", 50, "half"),
    ]
    assert all(h.quote.treatment == "excluded" and h.quote.points == 0 for h in nhk.held)
    assert gas.held[0].quote.list_date == D(2024, 12, 25)
    assert "amex-green" not in [q.card for q in gas.others]


def test_which_card_quotes_each_holder_with_their_own_add_ons(as_carol, cast):
    # Amazon online, ¥10,000 (RULES.md §1): amex-green earns 1% (100), 3% (300) for a holder who joined
    # MR Plus; marriott-amex earns 2 per 100 yen (200). Another household's card and add-on count for nothing.
    HeldCardFactory(member=cast.alice, method="amex-green", addons=["mr-plus"])
    HeldCardFactory(member=cast.bob, method="amex-green")
    HeldCardFactory(member=cast.dave, method="amex-green", addons=["mr-plus"])
    amazon = {"merchant": "Amazon", "amount": "10000", "channel": "online"}

    with CaptureQueriesContext(connection) as two_cards:
        result = as_carol.get(reverse("which_card"), amazon).context["result"]
    assert [(h.member, h.quote.card, h.quote.points) for h in result.held] == [
        ("アリス", "amex-green", 300),
        ("ボブ", "amex-green", 100),
    ]

    HeldCardFactory(member=cast.bob, method="marriott-amex", addons=["mr-plus"])
    with CaptureQueriesContext(connection) as three_cards:
        result = as_carol.get(reverse("which_card"), amazon).context["result"]
    assert [(h.member, h.quote.card, h.quote.points) for h in result.held] == [
        ("アリス", "amex-green", 300),
        ("ボブ", "marriott-amex", 200),
        ("ボブ", "amex-green", 100),
    ]
    # The cards held, their holders and add-ons are read in one query, whatever their number.
    assert len(three_cards) == len(two_cards)


def test_which_card_gives_the_same_answer_as_the_quote_command(as_carol, cast):
    HeldCardFactory(member=cast.alice, method="amex-green")

    result = as_carol.get(reverse("which_card"), {"merchant": "東京ガス", "amount": "10000"}).context["result"]
    expected = quote_json("東京ガス", 10000, [q.card for q in result.others])

    assert [(q.card, q.points, float(q.rate)) for q in result.others] == [
        (row["card"], row["points"], row["rate"]) for row in expected
    ]


def test_which_card_says_when_a_merchant_is_not_in_the_catalog(as_carol, cast):
    response = as_carol.get(
        reverse("which_card"), {"merchant": "近所のパン屋", "amount": "1000"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert "近所のパン屋 is not in the catalog: ordinary rates apply." in html
    assert "<html" not in html


def test_which_card_shows_what_is_left_of_the_national_tax_cap(as_carol, cast):
    from programs.models import SpendCap

    cap = SpendCap.objects.valid_on(D(2026, 6, 1)).select_related("merchant").get()  # 3,000,000 yen since 2024
    card = "marriott-amex"
    HeldCardFactory(member=cast.alice, method=card)
    posting.log_purchase(
        Facts(member=cast.alice, day=D(2026, 3, 1), merchant_name=cap.merchant.name, amount=1_000_000, method=card)
    )

    result = as_carol.get(reverse("which_card"), {"merchant": cap.merchant.name, "amount": "100000"}).context["result"]

    assert result.held[0].quote.cap_left_yen == cap.cap_yen - 1_100_000 == 1_900_000
