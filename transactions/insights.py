"""Three questions a family asks once its purchases are in: points missed by paying with the wrong card,
points promised and never received, and what a spend would use (`wallets.ledger.plan`).

Every figure comes from the engine (what each household card would have earned, with its holder's
add-ons and caps already used) and from the ledger (what was posted and granted). A fixed number of
queries whatever the number of purchases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Sum

from households.models import Household
from programs.catalog import get_catalog
from programs.engine import earn
from wallets.balances import open_promise_rows, open_promises
from wallets.models import HeldCard, LinkedAccount, Lot, Movement

from .models import Posting, Purchase
from .posting import context_from, facts_of, member_facts, payment_for


@dataclass(frozen=True)
class Missed:
    purchase: Purchase
    actual_points: int
    actual_yen: int
    best_member: str
    best_card: str
    best_card_name: str
    best_points: int
    best_yen: int
    treatment: str | None  # how the card actually used treated the merchant

    @property
    def missed_yen(self) -> int:
        return max(0, self.best_yen - self.actual_yen)

    @property
    def missed_points(self) -> int:
        return max(0, self.best_points - self.actual_points)


@dataclass
class MissedReport:
    rows: list[Missed]
    by_month: dict[tuple[dt.date, str], int]  # (month, member) → yen missed
    top_merchants: list[tuple[str, int, int]]  # merchant, yen missed, payments
    every_card_reduced: list[str]  # merchants where every household card is half or excluded

    @property
    def total_yen(self) -> int:
        return sum(r.missed_yen for r in self.rows)


def missed_points(household: Household, start: dt.date, end: dt.date) -> MissedReport:
    """Each purchase from `start` to `end` against the best card anyone in the household holds."""
    catalog = get_catalog()
    purchases = list(
        household.scoped(Purchase)
        .active()
        .filter(day__gte=start, day__lte=end)
        .select_related("member", "method", "points_account__program")
        .prefetch_related("items")
        .order_by("day", "pk")
    )
    cards = list(household.scoped(HeldCard).select_related("member", "method").order_by("pk"))
    known = member_facts(
        {p.member for p in purchases} | {c.member for c in cards}, uses_since=dt.date(start.year, 1, 1)
    )
    posted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for purchase_id, slug, points in (
        Posting.objects.filter(purchase__in=purchases, reversed=False, movement__kind=Movement.Kind.EARN)
        .values_list("purchase_id", "movement__account__program__slug")
        .annotate(points=Sum("movement__points"))
    ):
        posted[purchase_id][slug] += points

    rows, reduced_at = [], defaultdict(set)
    for purchase in purchases:
        facts = facts_of(purchase)
        actual = posted[purchase.pk]
        actual_yen = sum(catalog.programs[slug].yen_value(points) for slug, points in actual.items())
        actual_treatment = None
        best = None
        for card in cards:
            # The holder pays: their add-ons, links and the caps they already used (this purchase aside).
            theirs = replace(facts, member=card.member, method=card.method.slug)
            context = context_from(theirs, catalog, known[card.member_id], exclude_id=purchase.pk)
            result = earn(payment_for(theirs), catalog, context)
            value = sum(catalog.programs[e.program].yen_value(e.points) for e in result.earnings)
            treatment = result.earnings[0].treatment if result.earnings else None
            reduced_at[purchase.merchant_name].add(treatment in ("half", "excluded"))
            if card.method_id == purchase.method_id:
                actual_treatment = treatment
            if best is None or value > best[0]:
                best = (value, sum(e.points for e in result.earnings), card)
        if best is None:
            continue
        value, points, card = best
        rows.append(
            Missed(
                purchase=purchase,
                actual_points=sum(actual.values()),
                actual_yen=actual_yen,
                best_member=card.member.name,
                best_card=card.method.slug,
                best_card_name=card.method.name,
                best_points=points,
                best_yen=value,
                treatment=actual_treatment,
            )
        )
    missed = [r for r in rows if r.missed_yen > 0]
    by_month: dict[tuple[dt.date, str], int] = defaultdict(int)
    merchants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in missed:
        by_month[(r.purchase.day.replace(day=1), r.purchase.member.name)] += r.missed_yen
        merchants[r.purchase.merchant_name][0] += r.missed_yen
        merchants[r.purchase.merchant_name][1] += 1
    top = sorted(((name, yen, n) for name, (yen, n) in merchants.items()), key=lambda t: (-t[1], t[0]))[:10]
    every_card_reduced = sorted(name for name, flags in reduced_at.items() if flags == {True})
    return MissedReport(missed, dict(sorted(by_month.items())), top, every_card_reduced)


@dataclass(frozen=True)
class Promise:
    lot: Lot
    rule: str
    due: dt.date | None
    purchase: Purchase

    @property
    def source(self) -> str:
        return self.lot.earned_by.posting.source

    def overdue(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today and self.lot.received_on is None


@dataclass(frozen=True)
class PromiseTotal:
    """Promised points not yet received, summed per member, programme, rule and due day."""

    member: str
    program_name: str
    source: str
    rule: str
    due: dt.date | None
    points: int

    def overdue(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today


def promise_totals(household: Household, today: dt.date, catalog=None, accounts=None) -> list[PromiseTotal]:
    """`promises` summed, for the dashboard: one row per member, programme, rule and due day however many
    purchases made them. Overdue ones first. With the household's `accounts` as `balances_on` left
    them, read from their snapshots (`wallets.balances.open_promises`); otherwise summed from the lots."""
    catalog = catalog or get_catalog()
    names = {f"rule:{rule.slug}": rule.name for rule in catalog.rules}
    if accounts is None:
        accounts = list(household.scoped(LinkedAccount).select_related("member", "program"))
        rows = open_promise_rows(accounts)
    else:
        rows = open_promises(household, accounts)
    by_pk = {a.pk: a for a in accounts}
    sums: dict[tuple[str, str, str, dt.date | None], int] = defaultdict(int)
    for account_id, source, due, points in rows:
        account = by_pk[account_id]
        sums[(account.member.name, account.program.slug, source, due)] += points
    totals = [
        PromiseTotal(member, catalog.programs[slug].name, source, names.get(source, source), due, points)
        for (member, slug, source, due), points in sums.items()
    ]
    return sorted(totals, key=lambda p: (not p.overdue(today), p.due or dt.date.max, p.member, p.source))


def promises(household: Household, today: dt.date, catalog=None) -> list[Promise]:
    """Points a programme or campaign rule promised for a purchase and that are not confirmed received:
    due dates from the engine (楽天 +21 days, a campaign's payout date, スーパー還元's grant day, Amazon
    dpoint at shipment). Overdue ones first. One query over the open promises (a partial index), not
    over history."""
    catalog = catalog or get_catalog()
    names = {f"rule:{rule.slug}": rule.name for rule in catalog.rules}
    lots = (
        household.scoped(Lot)
        .filter(promised=True, received_on__isnull=True, void=False, earned_by__posting__reversed=False)
        .select_related("account__program", "account__member", "earned_by__posting__purchase")
        .order_by("available_on", "pk")
    )
    rows = [
        Promise(
            lot,
            names.get(lot.earned_by.posting.source, lot.earned_by.posting.source),
            lot.available_on,
            lot.earned_by.posting.purchase,
        )
        for lot in lots
    ]
    return sorted(rows, key=lambda p: (not p.overdue(today), p.due or dt.date.max))
