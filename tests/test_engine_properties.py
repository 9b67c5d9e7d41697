"""Properties of the engine over the seeded catalog (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.engine import Context, Item

from .engine_helpers import D, catalog, pay

pytestmark = pytest.mark.django_db

MERCHANTS = [
    "東京ガス",
    "NHK",
    "Amazon",
    "国税",
    "ヨドバシカメラ",
    "ローソン",
    "楽天市場",
    "マリオット・ボンヴォイ参加ホテル",
]
CARDS = [
    "amex-green",
    "marriott-amex",
    "marriott-amex-premium",
    "ana-amex-premium",
    "d-barai",
    "id-dcard",
    "dcard",
    "aupay-net",
]
RICH = Context(
    addons={"amex-green": {"mr-plus"}},
    linked_programs={"dpoint", "rakuten"},
    entries={"dpoint-super-kangen": "", "aupay-amazon-2026spring": "first-use"},
    bonus_percent=Decimal(7),
)
HYPO = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def cat(django_db_blocker):
    with django_db_blocker.unblock():
        return catalog()


days = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31))
amounts = st.integers(min_value=0, max_value=5_000_000)


@HYPO
@given(merchant=st.sampled_from(MERCHANTS), card=st.sampled_from(CARDS), amount=amounts, day=days, online=st.booleans())
def test_points_are_never_negative_and_never_above_a_cap(cat, merchant, card, amount, day, online):
    result = pay(
        cat, merchant, amount, card, day=day, context=RICH, channel="online" if online else "store", funding="dcard"
    )
    for e in result.earnings:
        assert e.points >= 0
        if e.source == "rule:amazon-dpoint":
            assert e.points <= 100
        if e.source == "rule:aupay-amazon-2026spring":
            assert e.points <= 500
        if e.source == "rule:dpoint-super-kangen":
            assert e.points <= 1_050


@HYPO
@given(
    merchant=st.sampled_from(MERCHANTS),
    card=st.sampled_from(CARDS),
    amount=amounts,
    more=st.integers(min_value=0, max_value=1_000_000),
    day=days,
)
def test_points_never_decrease_when_the_amount_grows(cat, merchant, card, amount, more, day):
    less = pay(cat, merchant, amount, card, day=day, context=RICH, funding="dcard")
    most = pay(cat, merchant, amount + more, card, day=day, context=RICH, funding="dcard")
    before = {e.source: e.points for e in less.earnings}
    after = {e.source: e.points for e in most.earnings}
    for source, points in before.items():
        assert points <= after.get(source, 0), source


@HYPO
@given(prices=st.lists(st.integers(min_value=1, max_value=30_000), min_size=1, max_size=5), kindle=st.booleans())
def test_amazon_dpoint_is_never_above_100_or_1_percent_of_eligible_items(cat, prices, kindle):
    items = tuple(Item(p, frozenset({"kindle"}) if kindle and i == 0 else frozenset()) for i, p in enumerate(prices))
    total = sum(prices)
    result = pay(cat, "Amazon", total, "jcb", channel="online", context=RICH, items=items)
    earned = sum(e.points for e in result.earnings if e.source == "rule:amazon-dpoint")
    eligible = sum(i.price for i in items if not i.flags)
    assert earned <= min(100, eligible // 100)
    assert earned == (0 if eligible < 5_000 else min(100, eligible // 100))
