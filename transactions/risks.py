"""What could cost the family points (RULES.md §3), for the dashboard and the order page.

- An Amazon order deducts partner points at shipment: points that expire before the order ships
  are not used and the card pays instead — flag orders whose account will not have the points then.
- 「いつものお支払いにポイントを利用する」 spends all partner points on every order — flag accounts where it is on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from households.models import Household
from wallets.models import LinkedAccount, Lot

from .models import OrderItem, Posting, Purchase


@dataclass(frozen=True)
class OrderAtRisk:
    purchase: Purchase
    ships_on: dt.date
    points_then: int

    @property
    def short(self) -> int:
        return self.purchase.points_spent - self.points_then


def orders_at_risk(household: Household, today: dt.date) -> list[OrderAtRisk]:
    """Unshipped orders paying with points their account will not have on the expected shipment day.
    Two queries: the waiting orders, and the live lots of the accounts they spend from."""
    # From the items not shipped yet (a partial index), not from every order in history.
    unshipped = OrderItem.objects.filter(shipped_on__isnull=True).values("purchase_id")
    spent = Posting.objects.filter(purchase=OuterRef("pk"), source="spend", reversed=False)
    waiting = list(
        household.scoped(Purchase).active().filter(pk__in=unshipped, points_spent__gt=0).filter(~Exists(spent))
    )
    if not waiting:
        return []
    lots = Lot.objects.filter(account__in={p.points_account_id for p in waiting}, remaining__gt=0, void=False)
    by_account: dict[int, list[Lot]] = {}
    for lot in lots:
        by_account.setdefault(lot.account_id, []).append(lot)
    risks = []
    for purchase in waiting:
        ships_on = max(purchase.expected_ship_on or today, today)
        then = sum(
            lot.remaining
            for lot in by_account.get(purchase.points_account_id, [])
            if lot.available_on is not None
            and lot.available_on <= ships_on
            and (lot.expires_on is None or lot.expires_on >= ships_on)
        )
        if then < purchase.points_spent:
            risks.append(OrderAtRisk(purchase, ships_on, then))
    return risks


def auto_use_accounts(household: Household):
    return household.scoped(LinkedAccount).filter(amazon_auto_use=True).select_related("member", "program")
