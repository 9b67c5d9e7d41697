"""Purchases through the engine into the ledger and the balances, with RULES.md's figures."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from programs.engine import Coupon, Item
from programs.models import EarningRule
from transactions import posting
from transactions.models import Purchase, Revision
from transactions.posting import Facts
from wallets.balances import balances_on
from wallets.models import CampaignEntry, LinkedAccount, Lot, Movement

from .factories import LinkedAccountFactory

D = dt.date
pytestmark = pytest.mark.usefixtures("english")


def points(member, program, day, what="available"):
    for row in balances_on(member.household, day).accounts:
        if row.account.member_id == member.pk and row.account.program.slug == program:
            f = row.figures
            return {"available": f.available, "pending": f.pending_total}[what]
    return 0


@pytest.fixture
def alice(cast):
    LinkedAccountFactory(member=cast.alice, program="dpoint", amazon_link=True)
    LinkedAccountFactory(member=cast.alice, program="rakuten")
    return cast.alice


def amazon_order(member, amount, *, flags=(), method="amex-green", day=D(2026, 6, 1), **extra):
    return Facts(
        member=member,
        day=day,
        merchant_name="Amazon",
        amount=amount,
        method=method,
        channel="online",
        items=(Item(amount, frozenset(flags), "item"),),
        **extra,
    )


@pytest.mark.parametrize(("amount", "dpoint"), [(4999, 0), (5000, 50), (15000, 100)])
def test_amazon_orders_earn_dpoint_when_every_item_has_shipped(alice, amount, dpoint):
    order = posting.log_purchase(amazon_order(alice, amount))

    assert points(alice, "dpoint", D(2026, 6, 30), "available") == 0
    assert points(alice, "dpoint", D(2026, 6, 30), "pending") == dpoint

    posting.ship(order, D(2026, 6, 3))

    assert points(alice, "dpoint", D(2026, 6, 3)) == dpoint
    assert points(alice, "dpoint", D(2026, 6, 2)) == 0


def test_a_kindle_only_order_earns_no_dpoint(alice):
    order = posting.log_purchase(amazon_order(alice, 8000, flags=["kindle"]))
    posting.ship(order, D(2026, 6, 1))

    assert points(alice, "dpoint", D(2026, 6, 2)) == 0


def test_an_order_with_two_items_earns_only_when_the_last_one_ships(alice):
    facts = amazon_order(alice, 6000)
    facts.items = (Item(3000, frozenset(), "a"), Item(3000, frozenset(), "b"))
    order = posting.log_purchase(facts)
    first, second = order.items.all()

    posting.ship(order, D(2026, 6, 2), items=[first])
    assert points(alice, "dpoint", D(2026, 6, 5)) == 0

    posting.ship(order, D(2026, 6, 6), items=[second])
    assert points(alice, "dpoint", D(2026, 6, 6)) == 60


def rakuten_purchase(member, **extra):
    return Facts(
        member=member,
        day=D(2026, 6, 1),
        merchant_name="楽天市場",
        amount=2200,
        amount_excl_tax=2000,
        method="rakuten-pay",
        channel="online",
        **extra,
    )


def test_rakuten_2000_yen_with_a_500_yen_coupon_earns_15(alice):
    posting.log_purchase(rakuten_purchase(alice, coupons=(Coupon("yen", 500),)))

    assert points(alice, "rakuten", D(2026, 6, 21), "pending") == 15
    assert points(alice, "rakuten", D(2026, 6, 22)) == 15


def test_rakuten_2000_yen_paying_500_in_points_earns_20_and_spends_500(alice):
    account = LinkedAccount.objects.get(member=alice, program__slug="rakuten")
    from wallets import ledger

    ledger.earn(account, 600, D(2026, 5, 1), available_on=D(2026, 5, 1))

    posting.log_purchase(rakuten_purchase(alice, points_spent=500, points_account=account))

    assert points(alice, "rakuten", D(2026, 6, 1)) == 100
    assert points(alice, "rakuten", D(2026, 6, 22)) == 120


def test_a_cancelled_rakuten_purchase_reverses_its_points_and_refunds_the_post_coupon_amount(alice):
    purchase = posting.log_purchase(rakuten_purchase(alice, coupons=(Coupon("yen", 500),)))

    refund = posting.cancel(purchase, on=D(2026, 6, 5))

    assert refund == 1700
    assert points(alice, "rakuten", D(2026, 6, 22), "available") == 0
    assert points(alice, "rakuten", D(2026, 6, 22), "pending") == 0
    assert Movement.objects.filter(kind=Movement.Kind.REVERSE).count() == 1
    assert list(Purchase.objects.get().revisions.values_list("action", flat=True)) == ["created", "cancelled"]


def test_editing_a_purchase_reverses_and_reposts_and_keeps_its_history(alice):
    purchase = posting.log_purchase(rakuten_purchase(alice))
    assert points(alice, "rakuten", D(2026, 6, 22)) == 20

    edited = rakuten_purchase(alice)
    edited.amount, edited.amount_excl_tax = 5500, 5000
    posting.revise(purchase, edited, on=D(2026, 6, 3))

    assert points(alice, "rakuten", D(2026, 6, 22)) == 50
    assert [r.facts["amount"] for r in purchase.revisions.all()] == [2200, 5500]
    kinds = sorted(Movement.objects.values_list("kind", "points"))
    assert kinds == [("earn", 20), ("earn", 50), ("reverse", -20)]


def aupay(member, amount, day=D(2026, 4, 1)):
    return Facts(member=member, day=day, merchant_name="Amazon", amount=amount, method="aupay-net", channel="online")


def enter_aupay(member, status):
    CampaignEntry.objects.create(
        member=member,
        rule=EarningRule.objects.get(slug="aupay-amazon-2026spring"),
        status=status,
        entered_on=D(2026, 3, 31),
    )


def test_aupay_campaign_pays_30_percent_to_first_users_up_to_500_across_payments(alice):
    enter_aupay(alice, "first-use")

    posting.log_purchase(aupay(alice, 1000))  # 300
    posting.log_purchase(aupay(alice, 199))  # below the 200 yen minimum
    posting.log_purchase(aupay(alice, 1000, D(2026, 4, 3)))  # 300, but only 200 left of the 500 cap

    assert points(alice, "aupay", D(2026, 6, 29), "pending") == 500
    assert points(alice, "aupay", D(2026, 6, 30)) == 500


def test_aupay_campaign_pays_10_percent_to_returning_users(cast):
    enter_aupay(cast.bob, "returning")

    posting.log_purchase(aupay(cast.bob, 3000))

    assert points(cast.bob, "aupay", D(2026, 6, 30)) == 300


def test_aupay_campaign_needs_an_entry(cast):
    posting.log_purchase(aupay(cast.bob, 3000))

    assert points(cast.bob, "aupay", D(2026, 6, 30)) == 0


def test_cancelling_a_campaign_payment_frees_its_share_of_the_cap(alice):
    enter_aupay(alice, "first-use")
    first = posting.log_purchase(aupay(alice, 2000))  # 600 → capped at 500
    posting.cancel(first, on=D(2026, 4, 2))

    posting.log_purchase(aupay(alice, 1000, D(2026, 4, 3)))

    assert points(alice, "aupay", D(2026, 6, 30)) == 300


def test_national_tax_cap_carries_across_purchases(cast):
    from programs.models import SpendCap

    cap = SpendCap.objects.select_related("merchant").first()
    merchant = cap.merchant.name if cap.merchant else None
    card = cap.cards.first().slug
    if merchant is None:
        pytest.fail("the seeded national-tax cap names its merchant")
    first = posting.preview(
        Facts(member=cast.alice, day=D(2026, 3, 1), merchant_name=merchant, amount=cap.cap_yen, method=card)
    )
    posting.log_purchase(
        Facts(member=cast.alice, day=D(2026, 3, 1), merchant_name=merchant, amount=cap.cap_yen, method=card)
    )
    second = posting.preview(
        Facts(member=cast.alice, day=D(2026, 5, 1), merchant_name=merchant, amount=100_000, method=card)
    )

    assert first.earnings[0].points > 0
    assert second.earnings[0].points == 0
    next_year = posting.preview(
        Facts(member=cast.alice, day=D(2027, 1, 5), merchant_name=merchant, amount=100_000, method=card)
    )
    assert next_year.earnings[0].points > 0


def test_dpoint_cannot_pay_a_pre_order_and_nothing_is_saved(alice):
    account = LinkedAccount.objects.get(member=alice, program__slug="dpoint")
    from wallets import ledger

    ledger.earn(account, 1000, D(2026, 5, 1), available_on=D(2026, 5, 1))
    before = (Purchase.objects.count(), Movement.objects.count())

    with pytest.raises(ValidationError, match="pre_order"):
        posting.log_purchase(amazon_order(alice, 3000, flags=["pre_order"], points_spent=500, points_account=account))

    assert (Purchase.objects.count(), Movement.objects.count()) == before


def test_only_normal_recruit_points_pay_on_amazon(cast):
    from programs.models import LotKind
    from wallets import ledger

    recruit = LinkedAccountFactory(member=cast.bob, program="recruit", amazon_link=True)
    ledger.earn(recruit, 300, D(2026, 5, 1), available_on=D(2026, 5, 1))
    ledger.earn(
        recruit, 700, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 9, 1)
    )

    with pytest.raises(ValidationError, match="Only 300"):
        posting.log_purchase(amazon_order(cast.bob, 3000, points_spent=500, points_account=recruit))

    order = posting.log_purchase(amazon_order(cast.bob, 3000, points_spent=300, points_account=recruit))
    posting.ship(order, D(2026, 6, 2))
    assert Lot.objects.get(account=recruit, kind=LotKind.PERIOD_LIMITED).remaining == 700
    assert Lot.objects.get(account=recruit, kind=LotKind.NORMAL).remaining == 0


def test_partner_points_are_deducted_at_shipment_not_at_order(alice):
    from wallets import ledger

    account = LinkedAccount.objects.get(member=alice, program__slug="dpoint")
    ledger.earn(account, 1000, D(2026, 5, 1), available_on=D(2026, 5, 1))

    order = posting.log_purchase(amazon_order(alice, 3000, points_spent=400, points_account=account))
    assert points(alice, "dpoint", D(2026, 6, 1)) == 1000

    posting.ship(order, D(2026, 6, 4))
    assert points(alice, "dpoint", D(2026, 6, 4)) == 600
    assert Revision.objects.filter(purchase=order, action="shipped").exists()


def test_an_order_whose_points_expire_before_shipment_is_flagged(alice):
    from programs.models import LotKind
    from transactions.risks import auto_use_accounts, orders_at_risk
    from wallets import ledger

    account = LinkedAccount.objects.get(member=alice, program__slug="dpoint")
    ledger.earn(
        account, 500, D(2026, 5, 1), available_on=D(2026, 5, 1), kind=LotKind.PERIOD_LIMITED, expires_on=D(2026, 6, 30)
    )
    order = posting.log_purchase(
        amazon_order(
            alice, 3000, flags=["pre_order"], method="amex-green", points_spent=0, expected_ship_on=D(2026, 7, 15)
        )
    )
    assert orders_at_risk(alice.household, D(2026, 6, 1)) == []

    order = posting.log_purchase(
        amazon_order(alice, 3000, points_spent=400, points_account=account, expected_ship_on=D(2026, 7, 15))
    )

    (risk,) = orders_at_risk(alice.household, D(2026, 6, 1))
    assert (risk.purchase, risk.ships_on, risk.points_then, risk.short) == (order, D(2026, 7, 15), 0, 400)
    assert orders_at_risk(alice.household, D(2026, 6, 1)) and not list(auto_use_accounts(alice.household))

    account.amazon_auto_use = True
    account.save()
    assert list(auto_use_accounts(alice.household)) == [account]
    posting.ship(order, D(2026, 6, 10))
    assert orders_at_risk(alice.household, D(2026, 6, 10)) == []
