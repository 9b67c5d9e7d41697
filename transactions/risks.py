"""What could cost the family points (RULES.md §3), for the dashboard and the order page.

- An Amazon order deducts partner points at shipment: points that expire before the order ships
  are not used and the card pays instead — flag orders whose account will not have the points then.
- 「いつものお支払いにポイントを利用する」 spends all partner points on every order — flag accounts where it is on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from households.models import Household
from wallets.ledger import available_points
from wallets.models import LinkedAccount

from .models import Purchase


@dataclass(frozen=True)
class OrderAtRisk:
    purchase: Purchase
    ships_on: dt.date
    points_then: int

    @property
    def short(self) -> int:
        return self.purchase.points_spent - self.points_then


def orders_at_risk(household: Household, today: dt.date) -> list[OrderAtRisk]:
    waiting = (
        household.scoped(Purchase)
        .active()
        .filter(points_spent__gt=0, items__shipped_on__isnull=True)
        .exclude(postings__source="spend", postings__reversed=False)
        .select_related("member", "points_account__program")
        .distinct()
    )
    risks = []
    for purchase in waiting:
        ships_on = max(purchase.expected_ship_on or today, today)
        then = available_points(purchase.points_account, ships_on)
        if then < purchase.points_spent:
            risks.append(OrderAtRisk(purchase, ships_on, then))
    return risks


def auto_use_accounts(household: Household):
    return household.scoped(LinkedAccount).filter(amazon_auto_use=True).select_related("member", "program")
