"""The catalog installed by migration 0002 holds what RULES.md says.

Every list and figure below is copied from RULES.md (not from the data module), so a typo or a
dropped merchant in the migration's data fails here.
"""

import datetime as dt
import importlib
from decimal import Decimal
from itertools import combinations
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from programs.models import (
    Addon,
    BaseRate,
    CatalogVersion,
    EarningRule,
    Merchant,
    MerchantAlias,
    MerchantTreatment,
    PaymentMethod,
    PointUseRule,
    Program,
    SpendCap,
)

pytestmark = pytest.mark.usefixtures("db")

# A day the Amex list "as of 2024-12-25" applies.
ON_THE_LIST = dt.date(2025, 6, 1)

MR_CARDS = {
    "amex-green",
    "amex-gold-preferred",
    "amex-platinum",
    "amex-business",
    "amex-business-gold",
    "amex-business-platinum",
}


def amex_treatments(day, merchant=None, category=""):
    """The Amex rows for every card of the issuer (no card list) valid on `day`."""
    rows = MerchantTreatment.objects.valid_on(day).filter(issuer__slug="amex", cards__isnull=True)
    if merchant is not None:
        return list(rows.filter(merchant__name=merchant))
    return list(rows.filter(merchant__isnull=True, category=category))


def card_slugs(row):
    return {card.slug for card in row.cards.all()}


# --- Programmes (RULES.md "Canonical slugs") ---------------------------------------------------------

PROGRAMMES = [
    ("rakuten", "楽天ポイント"),
    ("dpoint", "dポイント"),
    ("amazon", "Amazonポイント"),
    ("recruit", "リクルートポイント"),
    ("okidoki", "Oki Dokiポイント"),
    ("amex-mr", "メンバーシップ・リワード"),
    ("marriott-bonvoy", "マリオット ボンヴォイ"),
    ("hilton-honors", "ヒルトン・オナーズ"),
    ("ana-mileage", "ANAマイル"),
    ("delta-skymiles", "デルタ スカイマイル"),
    ("aupay", "au PAY 残高（au PAY マネー）"),
]


def test_the_catalog_has_exactly_the_canonical_programmes():
    assert set(Program.objects.values_list("slug", flat=True)) == {slug for slug, _ in PROGRAMMES}


@pytest.mark.parametrize(("slug", "name"), PROGRAMMES)
def test_each_programme_is_worth_a_yen_a_point(slug, name):
    program = Program.objects.get(slug=slug)
    assert program.name == name
    assert program.name_en
    assert program.point_value_yen == Decimal(1)


def test_rakuten_normal_points_expire_together_twelve_months_counting_the_latest_grant_month():
    rakuten = Program.objects.get(slug="rakuten")
    assert rakuten.normal_expiry == Program.Expiry.ROLLING
    assert rakuten.normal_expiry_months == 12
    assert rakuten.spending_order == "period_limited,exchanged_in,normal"
    assert "後払い手数料" in rakuten.restrictions
    assert "代引手数料" in rakuten.restrictions


def test_only_rakuten_has_a_normal_point_expiry_in_the_rules():
    others = Program.objects.exclude(slug="rakuten")
    assert set(others.values_list("normal_expiry", flat=True)) == {Program.Expiry.NEVER}


def test_what_dpoint_cannot_pay_on_amazon():
    dpoint = Program.objects.get(slug="dpoint")
    assert "期間・用途限定" in dpoint.where_to_spend
    for thing in ["予約商品", "Kindle", "Prime Video", "定期おトク便", "プライム会費"]:
        assert thing in dpoint.restrictions


def test_only_normal_recruit_points_pay_on_amazon():
    restrictions = Program.objects.get(slug="recruit").restrictions
    for thing in ["期間限定ポイント", "じゃらん限定", "Ponta", "dポイント"]:
        assert thing in restrictions


def test_oki_doki_through_amazon_pay_is_one_time_payments_only():
    assert "都度払いのみ" in Program.objects.get(slug="okidoki").restrictions


# --- Cards and payment methods ------------------------------------------------------------------------

PAYMENT_METHODS = [
    # slug, name, issuer, programme, kind, base rates {(channel, points, per yen)}
    ("amex-green", "アメリカン・エキスプレス・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("amex-gold-preferred", "アメリカン・エキスプレス・ゴールド・プリファード・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("amex-platinum", "アメリカン・エキスプレス・プラチナ・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("amex-business", "アメリカン・エキスプレス・ビジネス・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("amex-business-gold", "アメリカン・エキスプレス・ビジネス・ゴールド・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("amex-business-platinum", "アメリカン・エキスプレス・ビジネス・プラチナ・カード", "amex", "amex-mr", "credit_card", {("any", 1, 100)}),
    ("ana-amex", "ANAアメリカン・エキスプレス・カード", "amex", "ana-mileage", "credit_card", {("any", 1, 100)}),
    ("ana-amex-gold", "ANAアメリカン・エキスプレス・ゴールド・カード", "amex", "ana-mileage", "credit_card", {("any", 1, 100)}),
    ("ana-amex-premium", "ANAアメリカン・エキスプレス・プレミアム・カード", "amex", "ana-mileage", "credit_card", {("any", 1, 100)}),
    ("delta-amex", "デルタ スカイマイル アメリカン・エキスプレス・カード", "amex", "delta-skymiles", "credit_card", {("any", 1, 100)}),
    ("delta-amex-gold", "デルタ スカイマイル アメリカン・エキスプレス・ゴールド・カード", "amex", "delta-skymiles", "credit_card", {("any", 1, 100)}),
    ("marriott-amex", "Marriott Bonvoy アメリカン・エキスプレス・カード", "amex", "marriott-bonvoy", "credit_card", {("any", 2, 100)}),
    ("marriott-amex-premium", "Marriott Bonvoy アメリカン・エキスプレス・プレミアム・カード", "amex", "marriott-bonvoy", "credit_card", {("any", 3, 100)}),
    ("hilton-amex", "ヒルトン・オナーズ アメリカン・エキスプレス・カード", "amex", "hilton-honors", "credit_card", {("any", 2, 100)}),
    ("hilton-amex-premium", "ヒルトン・オナーズ アメリカン・エキスプレス・プレミアム・カード", "amex", "hilton-honors", "credit_card", {("any", 3, 100)}),
    ("dcard", "dカード", "docomo", "dpoint", "credit_card", {("any", 1, 100)}),
    ("dcard-gold", "dカード GOLD", "docomo", "dpoint", "credit_card", {("any", 1, 100)}),
    ("d-barai", "d払い", "docomo", "dpoint", "code_payment", {("store", 1, 200), ("online", 1, 100)}),
    ("id-dcard", "iD(dカード)", "docomo", "dpoint", "contactless", {("any", 1, 100)}),
    # RULES.md gives no ordinary rate for these: no base-rate row rather than an invented one.
    ("dcard-prepaid", "dカード プリペイド", "docomo", "dpoint", "prepaid_card", set()),
    ("jcb", "JCBカード", "jcb", "okidoki", "credit_card", set()),
    ("aupay-net", "au PAY（ネット支払い）", "kddi", "aupay", "online_wallet", set()),
    ("amazon-pay", "Amazon Pay", "amazon", "amazon", "online_wallet", set()),
    ("rakuten-pay", "楽天ペイ", "rakuten", "rakuten", "code_payment", set()),
]  # fmt: skip


def test_the_catalog_has_exactly_the_canonical_payment_methods():
    assert set(PaymentMethod.objects.values_list("slug", flat=True)) == {row[0] for row in PAYMENT_METHODS}


@pytest.mark.parametrize(("slug", "name", "issuer", "program", "kind", "rates"), PAYMENT_METHODS)
def test_each_payment_method_earns_its_base_rate_into_its_programme(slug, name, issuer, program, kind, rates):
    method = PaymentMethod.objects.get(slug=slug)
    assert (method.name, method.issuer.slug, method.program.slug, method.kind) == (name, issuer, program, kind)
    valid = BaseRate.objects.valid_on(ON_THE_LIST).filter(method=method)
    assert {(rate.channel, rate.points, rate.per_yen) for rate in valid} == rates
    assert {rate.rounding for rate in valid} <= {"per_unit"}
    # 2000-01-01 stands for "before anything the family records": no purchase date lacks a rate.
    assert BaseRate.objects.valid_on(dt.date(2000, 1, 1)).filter(method=method).count() == len(rates)


@pytest.mark.parametrize(
    ("slug", "merchant"),
    [("d-barai", "d払い"), ("aupay-net", "au PAY 残高"), ("amazon-pay", "Amazon Pay"), ("rakuten-pay", "楽天ペイ")],
)
def test_a_card_funding_a_payment_service_is_charged_by_its_merchant(slug, merchant):
    assert PaymentMethod.objects.get(slug=slug).charged_as.name == merchant


def test_cards_are_charged_as_themselves():
    assert PaymentMethod.objects.filter(charged_as__isnull=False).count() == 4


# --- Amex half-rate lists (RULES.md §1) ----------------------------------------------------------------

ELECTRICITY = [
    "北海道電力",
    "東北電力",
    "東京電力エナジーパートナー",
    "中部電力",
    "関西電力",
    "中国電力",
    "九州電力",
    "沖縄電力",
    "北陸電力",
    "四国電力",
]
GAS = [
    "北海道ガス", "仙台市ガス局", "東部ガス", "北陸ガス", "日本海ガス", "東彩ガス", "武州ガス", "京葉ガス", "大多喜ガス", "東京ガス", "長野都市ガス",
    "静岡ガス", "東邦ガス", "大津市企業局", "大阪ガス", "河内長野ガス", "広島ガス", "岡山ガス", "山口合同ガス", "四国ガス", "西部ガス", "日本ガス(鹿児島市)",
]  # fmt: skip
WATER = [
    "札幌市水道局", "水戸市水道部", "東京都水道局", "多摩地区都営水道", "武蔵野市水道部", "横浜市水道局", "小松市水道料金", "甲府市上下水道局",
    "名古屋市上下水道局", "浜松市上下水道部", "大津市企業局", "桑名市上下水道部", "京都市上下水道局", "大阪市水道局", "堺市上下水道局", "神戸市水道局",
    "猪名川市上下水道課", "尼崎市公営企業局", "福岡市水道局", "新宮市水道局", "長崎市上下水道局",
]  # fmt: skip
OTHER_HALF = [
    ("国税", "national_tax"),
    ("都道府県税", "local_tax"),
    ("国民年金保険料", "public_funds"),
    ("特許申請料", "public_funds"),
    ("Yahoo!公金支払い", "public_funds"),
    ("Amazon Pay", "payment_service"),
    ("d払い", "payment_service"),
    ("楽天ペイ", "payment_service"),
    ("Yahoo! toto", "lottery"),
    ("郵便窓口", "postal"),
    ("Webゆうびん", "postal"),
    ("株式会社シーユーシー", "medical"),
]

HALF_RATE = (
    [(name, "electricity") for name in ELECTRICITY]
    + [(name, "gas") for name in GAS]
    # 大津市企業局 is on both lists: one merchant, filed under gas.
    + [(name, "gas" if name == "大津市企業局" else "water") for name in WATER]
    + OTHER_HALF
)


def test_the_half_rate_lists_are_as_long_as_in_the_rules():
    assert (len(ELECTRICITY), len(GAS), len(WATER)) == (10, 22, 21)


@pytest.mark.parametrize(("name", "category"), HALF_RATE)
def test_amex_earns_half_at_each_listed_merchant(name, category):
    merchant = Merchant.objects.get(name=name)
    assert merchant.category == category
    [row] = amex_treatments(ON_THE_LIST, merchant=name)
    assert row.treatment == MerchantTreatment.Treatment.HALF
    assert row.list_date == dt.date(2024, 12, 25)
    assert row.valid_from == dt.date(2000, 1, 1)  # the list applied before the article that shows it
    assert row.source.startswith("RULES.md §1, 002_4439d818aa243185.txt")


def test_otsu_is_one_merchant_with_one_half_row():
    assert Merchant.objects.filter(name="大津市企業局").count() == 1
    assert MerchantTreatment.objects.filter(merchant__name="大津市企業局").count() == 1


@pytest.mark.parametrize("category", ["medical", "local_tax"])
def test_amex_earns_half_across_a_whole_category(category):
    [row] = amex_treatments(ON_THE_LIST, category=category)
    assert row.treatment == MerchantTreatment.Treatment.HALF


def test_the_lists_apply_to_bills_from_before_the_article():
    # [reading] the article is a snapshot of lists that applied before it (see _initial_catalog.py).
    assert [t.treatment for t in amex_treatments(dt.date(2024, 12, 24), merchant="東京ガス")] == ["half"]
    assert [t.treatment for t in amex_treatments(dt.date(2016, 11, 24), merchant="東京ガス")] == ["half"]
    assert amex_treatments(dt.date(1999, 12, 31), merchant="東京ガス") == []


# --- Amex excluded lists (RULES.md §1) ----------------------------------------------------------------

E_MONEY = [
    "楽天Edy", "モバイルSuica", "SMART ICOCA", "モバイルICOCA", "nanaco Apple Pay", "モバイルPASMO", "WAONチャージ", "IDARE", "au PAY 残高",
    "WebMoneyプリペイドカード", "EVERING", "Kyash", "B/43", "バンドルカード", "ハチペイ",
]  # fmt: skip
DONATIONS = [
    "国境なき医師団", "国際連合世界食糧計画WFP協会", "国連UNHCR協会", "セーブ・ザ・チルドレン・ジャパン", "日本赤十字社", "日本ユニセフ協会",
    "プラン・インターナショナル", "Yahoo!ネット募金", "ワールド・ビジョン・ジャパン",
]  # fmt: skip
CARD_CHARGES = [
    "年会費・月会費",
    "メンバーシップ・リワード・プラス年会費",
    "ポイント移行コース登録料",
    "延滞損害金",
    "リボ払い手数料",
    "メタルカード再発行手数料",
    "ANAマイル移行手数料",
]
EXCLUDED = (
    [("NHK", "broadcasting")]
    + [(name, "e_money") for name in E_MONEY]
    + [(name, "donation") for name in DONATIONS]
    + [(name, "card_fee") for name in CARD_CHARGES]
)


def test_the_excluded_lists_are_as_long_as_in_the_rules():
    assert (len(E_MONEY), len(DONATIONS), len(CARD_CHARGES)) == (15, 9, 7)


@pytest.mark.parametrize(("name", "category"), EXCLUDED)
def test_amex_earns_nothing_at_each_excluded_merchant(name, category):
    merchant = Merchant.objects.get(name=name)
    assert merchant.category == category
    [row] = amex_treatments(ON_THE_LIST, merchant=name)
    assert row.treatment == MerchantTreatment.Treatment.EXCLUDED
    assert row.list_date == dt.date(2024, 12, 25)


def test_the_amex_rows_are_the_lists_and_nothing_else():
    issuer_wide = MerchantTreatment.objects.valid_on(ON_THE_LIST).filter(issuer__slug="amex", cards__isnull=True)
    assert issuer_wide.filter(treatment="half").count() == 64 + 2  # merchants on the list + two categories
    assert issuer_wide.filter(treatment="excluded").count() == 32


# --- History by date: B/43 and au PAY 残高 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "before"),
    [("B/43", MerchantTreatment.Treatment.FULL), ("au PAY 残高", MerchantTreatment.Treatment.HALF)],
)
def test_a_merchant_moved_to_excluded_keeps_its_old_treatment_before_the_change(name, before):
    [old] = amex_treatments(dt.date(2024, 12, 24), merchant=name)
    [new] = amex_treatments(dt.date(2024, 12, 25), merchant=name)
    assert (old.treatment, old.valid_from, old.valid_to) == (before, dt.date(2000, 1, 1), dt.date(2024, 12, 24))
    assert (new.treatment, new.valid_from, new.valid_to) == ("excluded", dt.date(2024, 12, 25), None)
    # The change date is a reading (002 gives none), and the user can see it.
    assert "【解釈】" in old.note and "【解釈】" in new.note


def test_no_two_amex_rows_for_the_same_target_overlap_in_time():
    far_future = dt.date(9999, 12, 31)
    rows = list(MerchantTreatment.objects.prefetch_related("cards"))
    for a, b in combinations(rows, 2):
        same_target = (a.merchant_id, a.category, card_slugs(a), a.requires_addon_id) == (
            b.merchant_id,
            b.category,
            card_slugs(b),
            b.requires_addon_id,
        )
        if same_target:
            assert (a.valid_to or far_future) < b.valid_from or (b.valid_to or far_future) < a.valid_from, (a, b)


# --- Bonuses: Membership Rewards Plus, hotel and airline cards ---------------------------------------

MR_PLUS_MERCHANTS = [
    ("Amazon", "online_shopping"),
    ("Yahoo!JAPAN", "online_shopping"),
    ("iTunes Store", "online_shopping"),
    ("JAL", "airline"),
    ("HIS", "travel"),
    ("AMERICAN EXPRESS TRAVEL", "travel"),
    ("Uber Eats", "food_delivery"),
    ("ヨドバシカメラ", "electronics"),
    ("一休", "travel"),
]


@pytest.mark.parametrize(("name", "category"), MR_PLUS_MERCHANTS)
def test_mr_plus_earns_three_percent_at_its_merchants_for_the_six_mr_cards(name, category):
    assert Merchant.objects.get(name=name).category == category
    [row] = MerchantTreatment.objects.valid_on(ON_THE_LIST).filter(merchant__name=name, requires_addon__slug="mr-plus")
    assert (row.treatment, row.points, row.per_yen, row.rounding) == ("bonus", 3, 100, "per_unit")
    assert card_slugs(row) == MR_CARDS


def test_mr_plus_costs_3300_yen_and_is_free_but_must_be_joined_for_three_cards():
    addon = Addon.objects.get(slug="mr-plus")
    assert addon.name == "メンバーシップ・リワード・プラス"
    assert addon.annual_fee_yen == 3300
    assert set(addon.eligible_cards.values_list("slug", flat=True)) == MR_CARDS
    assert set(addon.free_for.values_list("slug", flat=True)) == {
        "amex-platinum",
        "amex-business-platinum",
        "amex-gold-preferred",
    }


@pytest.mark.parametrize(
    ("merchant", "category", "card", "points", "per_yen"),
    [
        ("マリオット・ボンヴォイ参加ホテル", "hotel", "marriott-amex", 3, 100),
        ("マリオット・ボンヴォイ参加ホテル", "hotel", "marriott-amex-premium", 6, 100),
        ("ヒルトン・オナーズ参加ホテル", "hotel", "hilton-amex", 3, 100),
        ("ヒルトン・オナーズ参加ホテル", "hotel", "hilton-amex-premium", 7, 100),
        ("ANA航空券", "airline", "ana-amex", 5, 200),
        ("ANA航空券", "airline", "ana-amex-gold", 3, 100),
        ("ANA航空券", "airline", "ana-amex-premium", 9, 200),
        ("デルタ航空航空券", "airline", "delta-amex", 2, 100),
        ("デルタ航空航空券", "airline", "delta-amex-gold", 3, 100),
    ],
)
def test_a_co_branded_card_earns_its_bonus_at_its_own_hotel_or_airline(merchant, category, card, points, per_yen):
    assert Merchant.objects.get(name=merchant).category == category
    [row] = MerchantTreatment.objects.valid_on(ON_THE_LIST).filter(merchant__name=merchant, cards__slug=card)
    assert (row.treatment, row.points, row.per_yen, row.rounding) == ("bonus", points, per_yen, "per_unit")
    assert card_slugs(row) == {card}
    assert row.requires_addon is None


# --- National-tax caps (RULES.md §1) --------------------------------------------------------------------

CAPPED_FROM_2024 = [
    "marriott-amex",
    "marriott-amex-premium",
    "hilton-amex",
    "hilton-amex-premium",
    "ana-amex",
    "ana-amex-gold",
    "ana-amex-premium",
    "delta-amex",
    "delta-amex-gold",
]


@pytest.mark.parametrize(
    ("card", "day", "cap_yen"),
    [
        ("marriott-amex", dt.date(2022, 12, 31), None),
        ("marriott-amex", dt.date(2023, 1, 1), 5_000_000),
        ("marriott-amex-premium", dt.date(2023, 12, 31), 5_000_000),
        ("hilton-amex", dt.date(2023, 6, 1), None),
        ("ana-amex", dt.date(2023, 6, 1), None),
        *((card, dt.date(2024, 1, 1), 3_000_000) for card in CAPPED_FROM_2024),
        *((card, dt.date(2025, 7, 1), 3_000_000) for card in CAPPED_FROM_2024),
        ("amex-green", dt.date(2025, 7, 1), None),
        ("amex-platinum", dt.date(2023, 6, 1), None),
    ],
)
def test_national_tax_above_the_yearly_cap_earns_nothing(card, day, cap_yen):
    caps = SpendCap.objects.valid_on(day).filter(cards__slug=card, merchant__name="国税")
    assert [cap.cap_yen for cap in caps] == ([cap_yen] if cap_yen else [])
    assert {cap.period for cap in caps} <= {"calendar_year"}


def test_the_national_tax_caps_are_named_and_dated():
    marriott, everyone = SpendCap.objects.order_by("valid_from")
    assert (marriott.name, marriott.valid_from, marriott.valid_to) == (
        "国税 年500万円超は対象外（マリオット）",
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    assert (everyone.name, everyone.valid_from, everyone.valid_to) == (
        "国税 年300万円超は対象外",
        dt.date(2024, 1, 1),
        None,
    )
    assert set(everyone.cards.values_list("slug", flat=True)) == set(CAPPED_FROM_2024)


# --- Earning rules (RULES.md §2–§5) -----------------------------------------------------------------------


def test_amazon_earns_one_percent_dpoint_up_to_100_on_orders_of_5000_yen():
    rule = EarningRule.objects.get(slug="amazon-dpoint")
    assert (rule.kind, rule.program.slug, rule.rate_source) == ("merchant_programme", "dpoint", "fixed")
    assert [m.name for m in rule.merchants.all()] == ["Amazon"]
    assert not rule.methods.exists()
    assert rule.requires_linked_account and not rule.requires_entry
    assert (rule.points, rule.per_yen, rule.rounding) == (1, 100, "proportional")
    assert (rule.amount_basis, rule.min_amount_yen, rule.cap_points_per_payment) == ("eligible_items", 5000, 100)
    assert rule.excluded_item_flags == ["prime_fee", "kindle", "gift_card", "voucher"]
    assert (rule.grant_timing, rule.lot_kind) == ("at_shipment", "normal")
    assert (rule.valid_from, rule.valid_to) == (dt.date(2025, 11, 1), None)
    assert "5,000円の判定にも数えず" in rule.note


def test_rakuten_ichiba_earns_one_point_per_100_yen_excluding_tax_after_coupons():
    rule = EarningRule.objects.get(slug="rakuten-ichiba")
    assert (rule.kind, rule.program.slug) == ("merchant_programme", "rakuten")
    assert [m.name for m in rule.merchants.all()] == ["楽天市場"]
    assert rule.requires_linked_account
    assert (rule.rate_source, rule.points, rule.per_yen, rule.rounding) == ("fixed", 1, 100, "per_unit")
    assert rule.amount_basis == "excl_tax_after_coupons"
    assert (rule.grant_timing, rule.available_after_days, rule.lot_kind) == ("at_payment", 21, "normal")
    assert rule.valid_from == dt.date(2000, 1, 1)


def test_dpoint_super_kangen_pays_the_members_percent_on_15000_yen_a_cycle_in_store():
    rule = EarningRule.objects.get(slug="dpoint-super-kangen")
    assert (rule.kind, rule.program.slug, rule.name) == (
        "payment_programme",
        "dpoint",
        "dポイントスーパー還元プログラム",
    )
    assert set(rule.methods.values_list("slug", flat=True)) == {"d-barai", "id-dcard"}
    assert not rule.merchants.exists()
    assert rule.channel == "store"
    assert rule.allowed_funding == ["dcard", "dcard-gold", "docomo-bill", "d-barai-balance"]
    assert rule.requires_entry
    assert (rule.rate_source, rule.points, rule.per_yen) == ("member_percent", None, None)
    assert (rule.amount_basis, rule.rounding) == ("incl_tax_minus_points", "proportional")
    assert (rule.cycle_start_day, rule.cap_yen_per_cycle) == (10, 15000)
    assert rule.grant_timing == "end_of_month_after_next_of_cycle"
    assert (rule.lot_kind, rule.valid_days) == ("period_limited", 96)
    assert (rule.valid_from, rule.valid_to) == (dt.date(2020, 5, 10), None)


def test_the_au_pay_amazon_campaign_pays_30_or_10_percent_up_to_500_for_one_week():
    rule = EarningRule.objects.get(slug="aupay-amazon-2026spring")
    assert (rule.kind, rule.program.slug, rule.name) == ("campaign", "aupay", "au PAY × Amazon キャンペーン")
    assert [m.name for m in rule.merchants.all()] == ["Amazon"]
    assert [m.slug for m in rule.methods.all()] == ["aupay-net"]
    assert rule.requires_entry
    assert (rule.rate_source, rule.rounding) == ("tiers", "proportional")
    assert (rule.min_amount_yen, rule.cap_points_per_period) == (200, 500)
    assert (rule.valid_from, rule.valid_to) == (dt.date(2026, 3, 31), dt.date(2026, 4, 6))
    assert (rule.grant_timing, rule.payout_date, rule.lot_kind) == ("by_payout_date", dt.date(2026, 6, 30), "normal")
    for condition in ["一部商品は対象外", "au PAY マネーのみ", "本人確認"]:
        assert condition in rule.note
    assert [(t.status, t.label, t.points, t.per_yen) for t in rule.tiers.all()] == [
        ("first-use", "初めてAmazonでau PAYを利用", 30, 100),
        ("returning", "2026-03-30 23:59までに利用歴あり", 10, 100),
    ]


def test_the_campaign_is_over_the_day_after_its_period():
    assert not EarningRule.objects.valid_on(dt.date(2026, 4, 7)).filter(slug="aupay-amazon-2026spring").exists()
    assert EarningRule.objects.valid_on(dt.date(2026, 4, 6)).filter(slug="aupay-amazon-2026spring").exists()


# --- Sources, names and aliases -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", [BaseRate, MerchantTreatment, SpendCap, EarningRule])
def test_every_rule_names_its_rules_section_and_seed_article(model):
    for row in model.objects.all():
        assert row.source.startswith("RULES.md §"), row
        assert ".txt" in row.source, row


@pytest.mark.parametrize(
    ("alias", "merchant"),
    [
        ("Tokyo Gas", "東京ガス"),
        ("TOKYO GAS", "東京ガス"),
        ("ﾄｳｷｮｳｶﾞｽ", "東京ガス"),
        ("TEPCO", "東京電力エナジーパートナー"),
        ("東京電力", "東京電力エナジーパートナー"),
        ("Amazon.co.jp", "Amazon"),
        ("AMAZON.CO.JP", "Amazon"),
        ("アマゾン", "Amazon"),
        ("遅延損害金", "延滞損害金"),
        ("日本放送協会", "NHK"),
    ],
)
def test_a_family_finds_a_merchant_by_romaji_or_statement_text(alias, merchant):
    assert MerchantAlias.objects.get(alias=alias).merchant.name == merchant


def test_an_alias_never_points_at_two_merchants_or_at_another_merchants_name():
    names = {name.casefold(): name for name in Merchant.objects.values_list("name", flat=True)}
    owner = {}
    for alias, merchant in MerchantAlias.objects.values_list("alias", "merchant__name"):
        key = alias.casefold()
        assert owner.setdefault(key, merchant) == merchant, alias
        assert names.get(key, merchant) == merchant, alias


def test_every_merchant_has_an_english_or_romaji_name():
    assert not Merchant.objects.filter(name_en="").exists()


# --- The migration itself -------------------------------------------------------------------------------


def test_the_migration_removes_the_catalog_and_puts_it_back():
    migration = importlib.import_module("programs.migrations.0002_initial_catalog")
    apps = MigrationLoader(connection).project_state(("programs", "0002_initial_catalog")).apps
    counts = [model.objects.count() for model in (Program, PaymentMethod, Merchant, MerchantTreatment, EarningRule)]
    # RunPython hands the functions a schema editor; they only read its connection, and SQLite will
    # not open a real one inside the test's transaction.
    editor = SimpleNamespace(connection=connection)
    PointUseRule.objects.all().delete()  # later migrations' rows go first, as migrating back would
    migration.unload_catalog(apps, editor)
    assert [Program.objects.count(), Merchant.objects.count(), MerchantTreatment.objects.count()] == [0, 0, 0]
    migration.load_catalog(apps, editor)
    assert [m.objects.count() for m in (Program, PaymentMethod, Merchant, MerchantTreatment, EarningRule)] == counts


def test_the_rates_the_sources_leave_undated_start_in_2000_and_migrate_back_to_2019(db):
    step = importlib.import_module("programs.migrations.0006_ordinary_rates_since_2000").Migration.operations[0]
    apps = MigrationLoader(connection).project_state(("programs", "0006_ordinary_rates_since_2000")).apps
    editor = SimpleNamespace(connection=connection)  # as in the test above
    undated = [BaseRate.objects.count(), MerchantTreatment.objects.exclude(valid_from=dt.date(2024, 12, 25)).count(), 1]
    dated = sorted(EarningRule.objects.exclude(slug="rakuten-ichiba").values_list("slug", "valid_from"))
    token = CatalogVersion.current()

    def starting_on(day):
        return [
            BaseRate.objects.filter(valid_from=day).count(),
            MerchantTreatment.objects.filter(valid_from=day).count(),
            EarningRule.objects.filter(valid_from=day).count(),
        ]

    assert starting_on(dt.date(2000, 1, 1)) == undated
    step.reverse_code(apps, editor)
    assert (starting_on(dt.date(2019, 1, 1)), starting_on(dt.date(2000, 1, 1))) == (undated, [0, 0, 0])
    step.code(apps, editor)
    assert starting_on(dt.date(2000, 1, 1)) == undated
    assert sorted(EarningRule.objects.exclude(slug="rakuten-ichiba").values_list("slug", "valid_from")) == dated
    assert MerchantTreatment.objects.filter(valid_from=dt.date(2024, 12, 25)).count() == 2  # B/43, au PAY 残高
    assert CatalogVersion.current() != token  # every worker reloads the catalog
