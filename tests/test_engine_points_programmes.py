"""RULES.md §2–§5: 楽天, Amazon dポイント, dポイントスーパー還元 and d払い, the au PAY campaign."""

from decimal import Decimal

import pytest

from programs.engine import Context, Coupon, Item
from programs.models import EarningRule, Program

from .engine_helpers import D, catalog, pay


@pytest.fixture
def cat(db):
    return catalog()


def points_from(result, source):
    return sum(e.points for e in result.earnings if e.source == source)


RAKUTEN = Context(linked_programs={"rakuten"})


# 楽天 (§2) ----------------------------------------------------------------------------------------


def test_a_rakuten_coupon_reduces_the_base(cat):
    result = pay(
        cat,
        "楽天市場",
        2_200,
        "jcb",
        context=RAKUTEN,
        channel="online",
        amount_excl_tax=2_000,
        coupons=(Coupon("yen", 500),),
    )
    assert points_from(result, "rule:rakuten-ichiba") == 15


def test_points_spent_do_not_reduce_the_rakuten_base(cat):
    result = pay(
        cat, "楽天市場", 2_200, "jcb", context=RAKUTEN, channel="online", amount_excl_tax=2_000, points_spent=500
    )
    assert points_from(result, "rule:rakuten-ichiba") == 20


def test_rakuten_points_are_pending_the_next_day_and_available_on_day_21(cat):
    result = pay(cat, "楽天市場", 2_200, "jcb", day=D(2026, 3, 1), context=RAKUTEN, amount_excl_tax=2_000)
    earning = next(e for e in result.earnings if e.source == "rule:rakuten-ichiba")
    assert earning.pending_from == D(2026, 3, 2)
    assert earning.available_on == D(2026, 3, 22)


def test_percent_coupons_apply_before_yen_coupons(cat):
    coupons = (Coupon("yen", 500, D(2026, 1, 31)), Coupon("percent", 10))
    result = pay(cat, "楽天市場", 11_000, "jcb", context=RAKUTEN, amount_excl_tax=10_000, coupons=coupons)
    assert points_from(result, "rule:rakuten-ichiba") == 85  # (10,000 − 10 %) − 500 = 8,500


def test_a_rakuten_point_up_bonus_is_granted_on_the_15th_of_the_next_month(cat):
    rule = EarningRule.objects.create(
        slug="rakuten-point-up-test",
        name="ポイントアップ",
        kind="campaign",
        program=Program.objects.get(slug="rakuten"),
        points=4,
        per_yen=100,
        rounding="per_unit",
        amount_basis="excl_tax_after_coupons",
        grant_timing="day_of_next_month",
        grant_day=15,
        lot_kind="period_limited",
        valid_from=D(2026, 1, 1),
    )
    rule.merchants.add(catalog().merchant_named("楽天市場").id)
    result = pay(catalog(), "楽天市場", 2_200, "jcb", day=D(2026, 3, 20), amount_excl_tax=2_000, points_spent=500)
    bonus = next(e for e in result.earnings if e.source == "rule:rakuten-point-up-test")
    assert bonus.points == 80
    assert bonus.available_on == D(2026, 4, 15)
    assert bonus.kind == "period_limited"


# Amazon dポイント (§3) --------------------------------------------------------------------------

DPOINT = Context(linked_programs={"dpoint"})


@pytest.mark.parametrize(("amount", "points"), [(4_999, 0), (5_000, 50), (15_000, 100), (30_000, 100)])
def test_amazon_dpoint_needs_5000_yen_earns_1_percent_and_at_most_100(cat, amount, points):
    result = pay(cat, "Amazon", amount, "jcb", channel="online", context=DPOINT, shipped_on=D(2025, 6, 3))
    assert points_from(result, "rule:amazon-dpoint") == points


def test_amazon_dpoint_is_granted_when_every_item_has_shipped(cat):
    items = (Item(3_000), Item(3_000))
    pending = pay(cat, "Amazon", 6_000, "jcb", channel="online", context=DPOINT, items=items)
    earning = next(e for e in pending.earnings if e.source == "rule:amazon-dpoint")
    assert earning.points == 60 and earning.available_on is None
    shipped = pay(cat, "Amazon", 6_000, "jcb", channel="online", context=DPOINT, items=items, shipped_on=D(2025, 6, 9))
    assert next(e for e in shipped.earnings if e.source == "rule:amazon-dpoint").available_on == D(2025, 6, 9)


def test_a_kindle_only_order_earns_no_dpoint(cat):
    result = pay(
        cat, "Amazon", 8_000, "jcb", channel="online", context=DPOINT, items=(Item(8_000, frozenset({"kindle"})),)
    )
    assert points_from(result, "rule:amazon-dpoint") == 0


def test_excluded_items_do_not_count_toward_5000_yen(cat):
    items = (Item(4_000), Item(2_000, frozenset({"gift_card"})))
    result = pay(cat, "Amazon", 6_000, "jcb", channel="online", context=DPOINT, items=items)
    assert points_from(result, "rule:amazon-dpoint") == 0
    assert any("5,000" in r.reason for r in result.not_earned)


def test_amazon_dpoint_needs_the_linked_account(cat):
    result = pay(cat, "Amazon", 15_000, "jcb", channel="online")
    assert points_from(result, "rule:amazon-dpoint") == 0
    assert any(r.source == "rule:amazon-dpoint" for r in result.not_earned)


# dポイントスーパー還元 and d払い (§4) -----------------------------------------------------------------


def bonus(percent):
    return Context(entries={"dpoint-super-kangen": ""}, bonus_percent=Decimal(percent))


@pytest.mark.parametrize(("percent", "points"), [("7", 1_050), ("1", 150)])
def test_super_kangen_pays_the_members_bonus_on_up_to_15000_yen(cat, percent, points):
    result = pay(cat, "ローソン", 20_000, "id-dcard", day=D(2026, 5, 12), context=bonus(percent))
    assert points_from(result, "rule:dpoint-super-kangen") == points


def test_super_kangen_cap_is_per_cycle(cat):
    context = bonus("7")
    context.cycle_spent_yen = {"dpoint-super-kangen": 10_000}
    result = pay(cat, "ローソン", 8_000, "id-dcard", day=D(2026, 5, 12), context=context)
    assert points_from(result, "rule:dpoint-super-kangen") == 350  # 5,000 yen left × 7 %


def test_super_kangen_is_granted_the_end_of_the_month_after_next_and_lasts_96_days(cat):
    result = pay(cat, "ローソン", 10_000, "id-dcard", day=D(2026, 6, 9), context=bonus("7"))
    earning = next(e for e in result.earnings if e.source == "rule:dpoint-super-kangen")
    assert earning.available_on == D(2026, 7, 31)
    assert earning.expires_on == D(2026, 11, 3)
    assert earning.kind == "period_limited"


def test_points_spent_in_d_barai_reduce_the_eligible_amount(cat):
    result = pay(
        cat, "ローソン", 1_000, "d-barai", day=D(2026, 5, 12), context=bonus("7"), points_spent=100, funding="dcard"
    )
    assert points_from(result, "rule:dpoint-super-kangen") == 63  # 900 × 7 %


def test_online_payments_and_dcard_prepaid_are_not_eligible(cat):
    online = pay(cat, "Amazon", 10_000, "d-barai", channel="online", context=bonus("7"), funding="dcard")
    assert points_from(online, "rule:dpoint-super-kangen") == 0
    prepaid = pay(cat, "ローソン", 10_000, "dcard-prepaid", context=bonus("7"))
    assert points_from(prepaid, "rule:dpoint-super-kangen") == 0


def test_d_barai_funded_by_another_card_does_not_count(cat):
    result = pay(cat, "ローソン", 10_000, "d-barai", context=bonus("7"), funding="amex-green")
    assert points_from(result, "rule:dpoint-super-kangen") == 0


def test_ordinary_d_barai_earning_in_store_and_online(cat):
    assert points_from(pay(cat, "ローソン", 1_000, "d-barai"), "card:d-barai") == 5
    assert points_from(pay(cat, "Amazon", 1_000, "d-barai", channel="online"), "card:d-barai") == 10


def test_d_barai_funded_by_dcard_earns_3_per_200_yen_in_store(cat):
    result = pay(cat, "ローソン", 200, "d-barai", funding="dcard")
    assert result.points("dpoint") == 3


def test_d_barai_funded_by_amex_earns_the_half_rate_on_the_amex(cat):
    result = pay(cat, "ローソン", 10_000, "d-barai", funding="amex-green")
    assert points_from(result, "card:amex-green") == 50


# au PAY × Amazon (§5) ---------------------------------------------------------------------------


def aupay(status, earned=0):
    return Context(entries={"aupay-amazon-2026spring": status}, period_points={"aupay-amazon-2026spring": earned})


@pytest.mark.parametrize(("status", "points"), [("first-use", 300), ("returning", 100)])
def test_au_pay_campaign_tiers(cat, status, points):
    result = pay(cat, "Amazon", 1_000, "aupay-net", day=D(2026, 4, 1), channel="online", context=aupay(status))
    earning = next(e for e in result.earnings if e.source == "rule:aupay-amazon-2026spring")
    assert earning.points == points
    assert earning.program == "aupay"
    assert earning.available_on == D(2026, 6, 30)


def test_au_pay_campaign_minimum_is_200_yen(cat):
    result = pay(cat, "Amazon", 199, "aupay-net", day=D(2026, 4, 1), channel="online", context=aupay("first-use"))
    assert points_from(result, "rule:aupay-amazon-2026spring") == 0


def test_au_pay_campaign_cap_is_500_across_payments(cat):
    result = pay(
        cat, "Amazon", 1_000, "aupay-net", day=D(2026, 4, 2), channel="online", context=aupay("first-use", 400)
    )
    assert points_from(result, "rule:aupay-amazon-2026spring") == 100


def test_au_pay_campaign_needs_entry_and_its_period(cat):
    not_entered = pay(cat, "Amazon", 1_000, "aupay-net", day=D(2026, 4, 1), channel="online")
    assert points_from(not_entered, "rule:aupay-amazon-2026spring") == 0
    after = pay(cat, "Amazon", 1_000, "aupay-net", day=D(2026, 4, 7), channel="online", context=aupay("first-use"))
    assert points_from(after, "rule:aupay-amazon-2026spring") == 0
