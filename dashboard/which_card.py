"""「どのカードで払う?」: the household's cards ranked for one payment, by the same engine as `manage.py quote`.

Each card a member holds is quoted with that member's context (their add-ons such as MR Plus, and
what they already used of an annual cap such as 国税); cards nobody holds are quoted as the
`quote` command does, apart, as "would earn".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from households.models import Household
from programs.catalog import MerchantInfo, get_catalog
from programs.engine import CardQuote, Context, quote_cards
from transactions.models import Use
from wallets.models import HeldCard


@dataclass(frozen=True)
class HeldQuote:
    member: str
    quote: CardQuote


@dataclass
class Answer:
    merchant_text: str
    merchant: MerchantInfo | None
    amount: int
    day: dt.date
    held: list[HeldQuote]
    others: list[CardQuote]


def answer(household: Household, merchant_text: str, amount: int, day: dt.date, channel: str = "store") -> Answer:
    catalog = get_catalog()
    cards = list(
        household.scoped(HeldCard).select_related("member", "method").prefetch_related("addons").order_by("pk")
    )
    used: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (  # the card holders' own uses, through the index `use_lookup` (no join, no other household)
        Use.objects.filter(member__in={c.member_id for c in cards}, kind="cap", period_start=dt.date(day.year, 1, 1))
        .values_list("member_id", "key")
        .annotate(total=Sum("amount"))
    )
    for member_id, key, total in rows:
        used[member_id][int(key)] = total
    held = []
    for card in cards:
        context = Context(
            addons={card.method.slug: {a.slug for a in card.addons.all()}},
            cap_spent_yen=dict(used[card.member_id]),
        )
        (quote,) = quote_cards(
            merchant_text, amount, day, catalog, cards=[card.method.slug], context=context, channel=channel
        )
        held.append(HeldQuote(card.member.name, quote))
    held.sort(key=lambda h: (-h.quote.value_yen, h.quote.card, h.member))
    held_slugs = {c.method.slug for c in cards}
    others = quote_cards(
        merchant_text,
        amount,
        day,
        catalog,
        cards=[s for s in sorted(catalog.methods) if s not in held_slugs],
        channel=channel,
    )
    return Answer(merchant_text, catalog.merchant_named(merchant_text), amount, day, held, others)
