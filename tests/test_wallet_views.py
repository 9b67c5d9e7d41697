"""The wallet pages: figures per member, the account page's ledger actions, who may act, and scope."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from programs.models import Addon, EarningRule, LotKind, PaymentMethod, Program
from wallets import ledger
from wallets.models import Allocation, CampaignEntry, CycleBonus, HeldCard, LinkedAccount, Lot, Movement

from .factories import HeldCardFactory, LinkedAccountFactory

D = dt.date
TODAY = D(2026, 6, 10)
INDEX = reverse("wallets:index")


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 10, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


@pytest.fixture(autouse=True)
def in_english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def rakuten(cast):
    return LinkedAccountFactory(member=cast.alice, program="rakuten")


@pytest.fixture
def with_points(rakuten):
    """300 points available since May, 20 more pending (獲得予定) until 2026-07-21."""
    ledger.earn(rakuten, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(rakuten, 20, D(2026, 6, 5), available_on=D(2026, 7, 21))
    return rakuten


def text(response) -> str:
    """The page's visible text with tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def section(response, element_id: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return " ".join(re.sub(r"<[^>]+>", " ", html[start:end]).split())


def ledger_state():
    return (
        list(Movement.objects.order_by("pk").values()),
        list(Lot.objects.order_by("pk").values()),
        list(Allocation.objects.order_by("pk").values()),
    )


def account_url(account, name="account"):
    return reverse(f"wallets:{name}", args=[account.pk])


def _rule(slug):
    return EarningRule.objects.get(slug=slug).pk


def _program(slug):
    return Program.objects.get(slug=slug).pk


def _method(slug):
    return PaymentMethod.objects.get(slug=slug).pk


def _addon(slug):
    return Addon.objects.get(slug=slug).pk


# The wallet page


def test_the_wallet_shows_available_and_pending_side_by_side(as_alice, cast, with_points):
    alice = section(as_alice.get(INDEX), f"member-{cast.alice.pk}")
    assert "楽天ポイント" in alice
    assert "Available 300 pt ¥300 Pending 20 pt ¥20 from 2026-07-21" in alice
    assert "320" not in alice


def test_the_wallet_shows_what_expires_within_30_60_90_days(as_alice, cast, rakuten):
    ledger.earn(
        rakuten, 50, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 7, 31)
    )
    alice = section(as_alice.get(INDEX), f"member-{cast.alice.pk}")
    assert "Expiring within 30 days: 0 pt ¥0" in alice
    assert "Expiring within 60 days: 50 pt ¥50" in alice
    assert "Expiring within 90 days: 50 pt ¥50" in alice


def test_the_wallet_lists_cards_entries_and_bonuses_per_member(as_alice, cast):
    HeldCardFactory(member=cast.bob, method="amex-green", addons=["mr-plus"])
    CampaignEntry.objects.create(
        member=cast.bob, rule_id=_rule("aupay-amazon-2026spring"), status="first-use", entered_on=D(2026, 6, 1)
    )
    CycleBonus.objects.create(
        member=cast.ken, rule_id=_rule("dpoint-super-kangen"), cycle_start=D(2026, 6, 10), percent=Decimal("4.5")
    )
    page = as_alice.get(INDEX)
    bob, ken = section(page, f"member-{cast.bob.pk}"), section(page, f"member-{cast.ken.pk}")
    assert "アメリカン・エキスプレス・カード + メンバーシップ・リワード・プラス" in bob
    assert "au PAY × Amazon キャンペーン · first-use entered 2026-06-01" in bob
    assert "dポイントスーパー還元プログラム · +4.5% cycle from 2026-06-10" in ken


def _fill(member, programs, lots_each):
    for program in programs:
        account = LinkedAccountFactory(member=member, program=program)
        for i in range(lots_each):
            ledger.earn(account, 10 + i, D(2026, 5, 1), available_on=D(2026, 5, 1 + i))
    HeldCardFactory(member=member, method="amex-green", addons=["mr-plus"])
    CycleBonus.objects.create(
        member=member, rule_id=_rule("dpoint-super-kangen"), cycle_start=D(2026, 6, 10), percent=Decimal(2)
    )


@pytest.mark.parametrize(("programs", "lots_each"), [(["rakuten"], 1), (["rakuten", "dpoint", "amazon"], 8)])
def test_the_wallet_runs_the_same_queries_however_much_it_shows(
    as_alice, cast, django_assert_num_queries, programs, lots_each
):
    for member in (cast.alice, cast.bob, cast.ken):
        _fill(member, programs, lots_each)
    # The first look after the writes rebuilds the written accounts' balance snapshots (a fixed number
    # of queries for any number of accounts: lock, lots, promises, last movements, delete and insert
    # both snapshots — no promises here, so no insert of them —, versions).
    with django_assert_num_queries(10 + 10):
        as_alice.get(INDEX)
    # session, user, memberships (+ households: the current one and the header's switcher); members;
    # accounts; balance snapshots; cards; their add-ons; entries; bonuses.
    with django_assert_num_queries(10):
        response = as_alice.get(INDEX)
    assert response.status_code == 200


def test_the_account_page_runs_the_same_queries_however_long_the_history(as_alice, rakuten, django_assert_num_queries):
    for i in range(60):
        ledger.earn(rakuten, 1 + i, D(2026, 5, 1), available_on=D(2026, 5, 1))
    as_alice.get(account_url(rakuten))  # the first look rebuilds the account's balance snapshot
    # session, user, memberships (the current one and the switcher's); account; accounts and balance
    # snapshots; the account's live lots; history count and page; members' names.
    with django_assert_num_queries(10):
        as_alice.get(account_url(rakuten))


# The account page


def test_the_account_page_shows_lots_and_history_newest_first(as_bob, with_points):
    page = as_bob.get(account_url(with_points))
    lots = section(page, "lots")
    assert "normal (通常) 300 2026-05-01 2027-06-30 available" in lots
    assert "normal (通常) 20 2026-07-21 2027-06-30 pending" in lots
    history = section(page, "history")
    assert history.index("2026-06-05 earn +20") < history.index("2026-05-01 earn +300")


def test_the_history_is_paginated_by_50(as_alice, rakuten):
    for i in range(60):
        ledger.earn(rakuten, 1, D(2026, 5, 1) + dt.timedelta(days=i % 30), available_on=D(2026, 6, 1))
    first = as_alice.get(account_url(rakuten))
    second = as_alice.get(account_url(rakuten) + "?page=2")
    assert len(first.context["history"]) == 50
    assert len(second.context["history"]) == 10
    assert "Page 2 of 2" in text(second)


def test_reconcile_records_the_difference_as_bobs_adjustment(as_bob, cast, with_points):
    response = as_bob.post(account_url(with_points, "reconcile"), {"shown": "280"})
    assert response.status_code == 302
    assert response["Location"] == account_url(with_points)
    adjust = Movement.objects.get(kind=Movement.Kind.ADJUST)
    assert (adjust.points, adjust.on, adjust.created_by) == (-20, TODAY, cast.bob.user)
    assert ledger.available_points(with_points, TODAY) == 280
    assert "Adjusted by -20 points." in text(as_bob.get(account_url(with_points)))


def test_an_htmx_reconcile_answers_with_the_figures_partial(as_bob, with_points):
    response = as_bob.post(account_url(with_points, "reconcile"), {"shown": "350"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="figures">')
    assert "<html" not in html
    assert "Available 350 pt ¥350 Pending 20 pt ¥20 from 2026-07-21" in text(response)
    assert "Adjusted by +50 points." in text(response)


def test_spending_more_than_available_shows_the_error_and_changes_nothing(as_bob, with_points):
    before = ledger_state()
    response = as_bob.post(account_url(with_points, "spend"), {"points": "301", "on": "2026-06-10"})
    assert response.status_code == 200
    assert "Only 300 楽天ポイント points are available on 2026-06-10; 301 cannot be spent." in text(response)
    assert ledger_state() == before


def test_an_htmx_spend_that_fails_shows_the_error_in_the_partial(as_bob, with_points):
    before = ledger_state()
    response = as_bob.post(
        account_url(with_points, "spend"), {"points": "301", "on": "2026-06-10"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in response.content.decode()
    assert "301 cannot be spent" in text(response)
    assert ledger_state() == before


def test_spending_only_period_limited_points_leaves_normal_points(as_bob, cast, with_points):
    ledger.earn(
        with_points,
        50,
        D(2026, 6, 1),
        available_on=D(2026, 6, 1),
        kind=LotKind.PERIOD_LIMITED,
        expires_on=D(2026, 8, 31),
    )
    refused = as_bob.post(
        account_url(with_points, "spend"), {"points": "60", "on": "2026-06-10", "only_period_limited": "on"}
    )
    assert "Only 50 period-limited 楽天ポイント points are available on 2026-06-10" in text(refused)
    as_bob.post(account_url(with_points, "spend"), {"points": "50", "on": "2026-06-10", "only_period_limited": "on"})
    spend = Movement.objects.get(kind=Movement.Kind.SPEND)
    assert (spend.points, spend.created_by) == (-50, cast.bob.user)
    assert ledger.available_points(with_points, TODAY) == 300


def test_reversing_a_spend_gives_the_points_back(as_bob, cast, with_points):
    spent = ledger.spend(with_points, 100, D(2026, 6, 1))
    response = as_bob.post(reverse("wallets:movement_reverse", args=[spent.pk]))
    assert response["Location"] == account_url(with_points)
    undo = Movement.objects.get(reverses=spent)
    assert (undo.points, undo.on, undo.created_by) == (100, TODAY, cast.bob.user)
    assert ledger.available_points(with_points, TODAY) == 300


def test_a_refused_reversal_is_a_message_and_changes_nothing(as_bob, with_points):
    spent = ledger.spend(with_points, 100, D(2026, 6, 1))
    ledger.reverse(spent, D(2026, 6, 2))
    before = ledger_state()
    response = as_bob.post(reverse("wallets:movement_reverse", args=[spent.pk]), follow=True)
    assert "This movement has already been reversed." in text(response)
    assert ledger_state() == before


# Who may act


def test_a_viewer_reads_the_wallet_without_forms(as_carol, with_points):
    index = as_carol.get(INDEX).content.decode()
    account = as_carol.get(account_url(with_points)).content.decode()
    assert "300 pt" in index and "300 pt" in account
    assert "/wallet/accounts/add/" not in index and "/wallet/cards/add/" not in index
    for action in ("reconcile", "spend", "account_edit"):
        assert account_url(with_points, action) not in account
    assert "/reverse/" not in account


@pytest.mark.parametrize(
    ("name", "data"),
    [("reconcile", {"shown": "0"}), ("spend", {"points": "1", "on": "2026-06-10"}), ("account_delete", {})],
)
def test_a_viewers_post_is_refused_and_changes_nothing(as_carol, with_points, name, data):
    before = ledger_state()
    assert as_carol.post(account_url(with_points, name), data).status_code == 403
    assert ledger_state() == before
    assert LinkedAccount.objects.filter(pk=with_points.pk).exists()


def test_a_viewer_cannot_reverse(as_carol, with_points):
    earning = Movement.objects.filter(account=with_points).first()
    assert as_carol.post(reverse("wallets:movement_reverse", args=[earning.pk])).status_code == 403
    assert not Movement.objects.filter(reverses=earning).exists()


def test_another_households_account_is_not_found(as_alice, cast):
    theirs = LinkedAccountFactory(member=cast.dave, program="rakuten")
    assert as_alice.get(account_url(theirs)).status_code == 404
    assert as_alice.post(account_url(theirs, "reconcile"), {"shown": "1000"}).status_code == 404
    assert not Movement.objects.exists()


# Accounts, cards, entries and bonuses


def test_a_member_adds_an_account_for_a_child(as_bob, cast):
    response = as_bob.post(
        reverse("wallets:account_add"), {"member": cast.ken.pk, "program": _program("dpoint"), "label": "1234"}
    )
    account = LinkedAccount.objects.get(member=cast.ken)
    assert response["Location"] == account_url(account)
    assert (account.program.slug, account.label) == ("dpoint", "1234")


def test_an_account_cannot_be_added_for_another_households_member(as_bob, cast):
    response = as_bob.post(reverse("wallets:account_add"), {"member": cast.dave.pk, "program": _program("dpoint")})
    assert "member" in response.context["form"].errors
    assert not LinkedAccount.objects.exists()


def test_amazon_auto_use_needs_the_amazon_link(as_bob, cast):
    response = as_bob.post(
        reverse("wallets:account_add"), {"member": cast.bob.pk, "program": _program("dpoint"), "amazon_auto_use": "on"}
    )
    assert "Auto-use is a setting of the Amazon link; link first." in text(response)
    assert not LinkedAccount.objects.exists()


def test_an_account_with_points_keeps_its_member_and_programme(as_bob, cast, with_points):
    as_bob.post(
        account_url(with_points, "account_edit"),
        {"member": cast.ken.pk, "program": _program("dpoint"), "label": "main", "amazon_link": "on"},
    )
    with_points.refresh_from_db()
    assert (with_points.member, with_points.program.slug) == (cast.alice, "rakuten")
    assert (with_points.label, with_points.amazon_link) == ("main", True)


def test_an_account_with_points_cannot_be_removed(as_bob, with_points):
    response = as_bob.post(account_url(with_points, "account_delete"), follow=True)
    assert "has points or purchases recorded, so it cannot be removed" in text(response)
    assert LinkedAccount.objects.filter(pk=with_points.pk).exists()


def test_an_account_without_points_is_removed(as_bob, rakuten):
    response = as_bob.post(account_url(rakuten, "account_delete"))
    assert response["Location"] == INDEX
    assert not LinkedAccount.objects.exists()


def test_the_card_form_refuses_an_addon_the_card_cannot_join(as_bob, cast):
    response = as_bob.post(
        reverse("wallets:card_add"), {"member": cast.bob.pk, "method": _method("jcb"), "addons": [_addon("mr-plus")]}
    )
    assert "JCBカード cannot join メンバーシップ・リワード・プラス." in text(response)
    assert not HeldCard.objects.exists()


def test_a_card_is_added_with_its_addon_and_removed(as_bob, cast):
    as_bob.post(
        reverse("wallets:card_add"),
        {"member": cast.bob.pk, "method": _method("amex-green"), "addons": [_addon("mr-plus")]},
    )
    card = HeldCard.objects.get(member=cast.bob)
    assert [a.slug for a in card.addons.all()] == ["mr-plus"]
    as_bob.post(reverse("wallets:card_remove", args=[card.pk]))
    assert not HeldCard.objects.exists()


def test_a_campaign_entry_needs_one_of_the_campaigns_tiers(as_bob, cast):
    data = {"member": cast.bob.pk, "rule": _rule("aupay-amazon-2026spring"), "entered_on": "2026-06-01"}
    refused = as_bob.post(reverse("wallets:entry_add"), {**data, "status": "gold"})
    assert "has the tiers first-use, returning" in text(refused)
    as_bob.post(reverse("wallets:entry_add"), {**data, "status": "returning"})
    assert CampaignEntry.objects.get(member=cast.bob).status == "returning"


def test_a_cycle_bonus_is_stored_for_the_start_of_its_cycle(as_bob, cast):
    # スーパー還元's cycles start on the 10th: 2026-06-05 lies in the cycle from 2026-05-10.
    as_bob.post(
        reverse("wallets:bonus_add"),
        {"member": cast.bob.pk, "rule": _rule("dpoint-super-kangen"), "cycle_start": "2026-06-05", "percent": "3.5"},
    )
    bonus = CycleBonus.objects.get(member=cast.bob)
    assert (bonus.cycle_start, bonus.percent) == (D(2026, 5, 10), Decimal("3.5"))


def test_the_bonus_form_offers_only_member_percent_programmes(as_bob):
    rules = as_bob.get(reverse("wallets:bonus_add")).context["form"].fields["rule"].queryset
    assert [r.slug for r in rules] == ["dpoint-super-kangen"]
