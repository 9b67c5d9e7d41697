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
    # The cards held, with their holders and add-ons, in one query and without building models: a row
    # per card and add-on (None for a card without any).
    cards: dict[int, tuple[int, str, str, set[str]]] = {}
    held_rows = household.scoped(HeldCard).order_by("pk", "addons__slug")
    for pk, member_id, member, method, addon in held_rows.values_list(
        "pk", "member_id", "member__name", "method__slug", "addons__slug"
    ):
        card = cards.setdefault(pk, (member_id, member, method, set()))
        if addon is not None:
            card[3].add(addon)
    used: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (  # the card holders' own uses, through the index `use_lookup` (no join, no other household)
        Use.objects.filter(
            member__in={member_id for member_id, *_rest in cards.values()},
            kind="cap",
            period_start=dt.date(day.year, 1, 1),
        )
        .values_list("member_id", "key")
        .annotate(total=Sum("amount"))
    )
    for member_id, key, total in rows:
        used[member_id][int(key)] = total
    held = []
    for member_id, member, method, addons in cards.values():
        context = Context(addons={method: addons}, cap_spent_yen=dict(used[member_id]))
        (quote,) = quote_cards(merchant_text, amount, day, catalog, cards=[method], context=context, channel=channel)
        held.append(HeldQuote(member, quote))
    held.sort(key=lambda h: (-h.quote.value_yen, h.quote.card, h.member))
    held_slugs = {method for _member_id, _member, method, _addons in cards.values()}
    others = quote_cards(
        merchant_text,
        amount,
        day,
        catalog,
        cards=[s for s in sorted(catalog.methods) if s not in held_slugs],
        channel=channel,
    )
    return Answer(merchant_text, catalog.merchant_named(merchant_text), amount, day, held, others)
