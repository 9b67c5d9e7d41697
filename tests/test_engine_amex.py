"""RULES.md §1: Amex base, half, excluded, MR Plus, hotel and airline bonuses, national-tax caps."""

import pytest

from programs.engine import Context
from programs.models import MerchantTreatment, PaymentMethod

from .engine_helpers import D, card_points, catalog, pay


@pytest.fixture
def cat(db):
    return catalog()


@pytest.mark.parametrize(("amount", "points"), [(10_000, 50), (10_150, 50)])
def test_tokyo_gas_is_half_rate_for_amex_green(cat, amount, points):
    result = pay(cat, "東京ガス", amount, "amex-green")
    assert card_points(result) == points
    assert result.earnings[0].treatment == "half"
    assert result.earnings[0].program == "amex-mr"


def test_the_explanation_names_the_half_rate_list_and_its_date(cat):
    reasons = " ".join(pay(cat, "東京ガス", 10_000, "amex-green").earnings[0].reasons)
    assert "東京ガス" in reasons and "2024-12-25" in reasons and "還元半分" in reasons


def test_premium_hotel_card_half_rate_is_3_per_200_yen(cat):
    assert card_points(pay(cat, "東京ガス", 10_000, "marriott-amex-premium")) == 150


def test_nhk_earns_nothing_on_amex(cat):
    result = pay(cat, "NHK", 10_000, "amex-green")
    assert card_points(result) == 0
    assert result.earnings[0].treatment == "excluded"


def test_amazon_pay_is_half_rate(cat):
    assert card_points(pay(cat, "Amazon Pay", 10_000, "amex-green")) == 50


def test_an_amazon_gift_card_bought_on_amazon_earns_the_full_rate_and_3_percent_with_mr_plus(cat):
    assert card_points(pay(cat, "Amazon", 10_000, "amex-green", channel="online")) == 100
    with_plus = Context(addons={"amex-green": {"mr-plus"}})
    result = pay(cat, "Amazon", 10_000, "amex-green", context=with_plus, channel="online")
    assert card_points(result) == 300
    assert result.earnings[0].treatment == "bonus"


def test_mr_plus_does_not_apply_to_a_card_that_has_not_joined(cat):
    # amex-platinum gets MR Plus free but must still join it (RULES.md §1).
    assert card_points(pay(cat, "ヨドバシカメラ", 10_000, "amex-platinum")) == 100


def test_statement_text_and_romaji_find_the_merchant(cat):
    assert card_points(pay(cat, "Tokyo Gas", 10_000, "amex-green")) == 50


@pytest.mark.parametrize(
    ("card", "merchant", "points"),
    [
        ("marriott-amex", "マリオット・ボンヴォイ参加ホテル", 300),
        ("marriott-amex-premium", "マリオット・ボンヴォイ参加ホテル", 600),
        ("hilton-amex", "ヒルトン・オナーズ参加ホテル", 300),
        ("hilton-amex-premium", "ヒルトン・オナーズ参加ホテル", 700),
        ("ana-amex", "ANA航空券", 250),
        ("ana-amex-gold", "ANA航空券", 300),
        ("ana-amex-premium", "ANA航空券", 450),
        ("delta-amex", "デルタ航空航空券", 200),
        ("delta-amex-gold", "デルタ航空航空券", 300),
        ("marriott-amex", "ローソン", 200),
        ("hilton-amex-premium", "ローソン", 300),
    ],
)
def test_hotel_and_airline_cards_earn_their_bonus_at_their_own_brand(cat, card, merchant, points):
    assert card_points(pay(cat, merchant, 10_000, card)) == points


def test_national_tax_above_the_annual_cap_earns_nothing(cat):
    result = pay(cat, "国税", 3_500_000, "marriott-amex", day=D(2025, 3, 15))
    assert card_points(result) == 30_000
    assert result.earnings[0].cap_left_yen == 0


def test_the_national_tax_cap_counts_across_two_payments_in_one_year(cat):
    first = pay(cat, "国税", 2_000_000, "marriott-amex", day=D(2025, 3, 15))
    assert card_points(first) == 20_000
    cap_id = next(c.id for c in cat.caps if c.cap_yen == 3_000_000)
    second = pay(
        cat, "国税", 1_500_000, "marriott-amex", day=D(2025, 11, 1), context=Context(cap_spent_yen={cap_id: 2_000_000})
    )
    assert card_points(second) == 10_000
    assert second.earnings[0].cap_left_yen == 0


def test_in_2023_the_marriott_cap_was_5_million(cat):
    assert card_points(pay(cat, "国税", 6_000_000, "marriott-amex", day=D(2023, 6, 1))) == 50_000
    # Other hotel and airline cards had no cap before 2024.
    assert card_points(pay(cat, "国税", 6_000_000, "hilton-amex", day=D(2023, 6, 1))) == 60_000


def test_proper_amex_cards_have_no_national_tax_cap(cat):
    assert card_points(pay(cat, "国税", 6_000_000, "amex-green", day=D(2025, 6, 1))) == 30_000


def test_b43_moved_from_full_rate_to_excluded_by_date(cat):
    b43 = MerchantTreatment.objects.get(merchant__name="B/43", treatment="excluded")
    before = b43.valid_from.replace(day=1) if b43.valid_from.day > 1 else D(b43.valid_from.year - 1, 12, 1)
    assert card_points(pay(cat, "B/43", 10_000, "amex-green", day=before)) == 100
    assert card_points(pay(cat, "B/43", 10_000, "amex-green", day=b43.valid_from)) == 0


def test_a_rule_change_affects_only_payments_from_its_valid_from(db):
    # The family's shop joins the half-rate list on 2026-01-01: December still earns full.
    green = PaymentMethod.objects.get(slug="amex-green")
    MerchantTreatment.objects.create(
        merchant_id=catalog().merchant_named("ヨドバシカメラ").id,
        issuer=green.issuer,
        treatment="half",
        list_date=D(2026, 1, 1),
        valid_from=D(2026, 1, 1),
    )
    cat = catalog()
    assert card_points(pay(cat, "ヨドバシカメラ", 10_000, "amex-green", day=D(2025, 12, 31))) == 100
    assert card_points(pay(cat, "ヨドバシカメラ", 10_000, "amex-green", day=D(2026, 1, 1))) == 50


def test_medical_is_half_rate_by_category(cat):
    from programs.models import Merchant

    Merchant.objects.create(name="山田クリニック", category="medical")
    assert card_points(pay(catalog(), "山田クリニック", 10_000, "amex-green")) == 50


def test_an_unknown_merchant_earns_ordinary_rates_and_says_so(cat):
    result = pay(cat, "近所のパン屋", 10_000, "amex-green")
    assert card_points(result) == 100
    assert any("近所のパン屋" in r for r in result.earnings[0].reasons)


def test_a_purchase_ten_years_back_earns_by_the_rates_the_sources_leave_undated(cat):
    # The base rate and the Amex lists have no start date in the sources; a family's ten years of
    # purchases (from 2016) earn by them too, not nothing.
    assert card_points(pay(cat, "ローソン", 10_000, "amex-green", day=D(2016, 11, 24))) == 100
    result = pay(cat, "東京ガス", 10_000, "amex-green", day=D(2016, 11, 24))
    assert (card_points(result), result.earnings[0].treatment) == (50, "half")
