"""A realistic household with years of history, written in bulk: the benchmarks' data.

Posting a million purchases one by one through `log_purchase` would take hours. This runs the same
engine (`programs.engine.earn`, with the member's context and what earlier payments used of caps) on
every payment, and the ledger's own rules on lots kept in memory — spending order, 楽天's rolling
expiry chains, expiries recorded day by day, cancellations that void a pending lot or take granted
points back — then writes the rows in bulk (`pointbook.bulk.insert`), a month at a time, in one
transaction.

Deterministic for a seed. The result is checked like any ledger: `check_ledger` (lots against their
allocations) and the tests compare it with a rebuild (`ledger_differences`, the expiry chains).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from households.models import Household, Member, Role
from pointbook.bulk import insert
from programs.catalog import Catalog, get_catalog
from programs.engine import Item, cycle_start, earn
from programs.models import Addon, EarningRule, LotKind, PaymentMethod, Program
from wallets.ledger import counting_month_end, refresh_summaries
from wallets.models import Allocation, CampaignEntry, CycleBonus, HeldCard, LinkedAccount, Lot, Movement

from .models import MonthlySpend, OrderItem, Posting, Purchase, Revision, Use
from .posting import Facts, MemberFacts, _facts_json, _period_start, context_from, explain, payment_for

MEMBERS = [
    ("父", Role.OWNER, True),
    ("母", Role.MEMBER, True),
    ("祖母", Role.VIEWER, True),
    ("長男", Role.VIEWER, False),
]
MEMBERS += [("長女", Role.VIEWER, False)]
# Where a family pays, with how often (weights) and a typical amount in yen.
SHOPS = [
    ("楽天市場", 14, 4800, "online"),
    ("Amazon", 14, 3900, "online"),
    ("ローソン", 12, 700, "store"),
    ("セブン-イレブン", 10, 650, "store"),
    ("近所のスーパー", 14, 3200, "store"),
    ("近所のパン屋", 5, 900, "store"),
    ("ドラッグストア", 6, 2400, "store"),
    ("東京ガス", 2, 7800, "store"),
    ("東京電力", 2, 9800, "store"),
    ("NHK", 1, 2200, "store"),
    ("国税", 1, 60000, "store"),
    ("ホテル", 1, 38000, "store"),
    ("レストラン", 6, 6800, "store"),
    ("ガソリンスタンド", 4, 5400, "store"),
    ("家電量販店", 2, 24000, "store"),
]
CANCEL_RATE = {"online": 0.05, "store": 0.005}  # returns, mostly of online orders
SPEND_RATE = 0.25
REDEEM_FROM = 1_000  # points an account must hold before the family redeems them  # of 楽天市場 and Amazon purchases, the share paid partly with points


def _weights():
    return [w for _n, w, _a, _c in SHOPS]


@dataclass(eq=False)
class _Chain:
    """楽天's normal lots that expire together: every grant moves the end of the whole chain."""

    account: int
    end: dt.date
    first: dt.date  # the earliest and latest grant days in the chain
    last: dt.date
    grants: dict[dt.date, int] = field(default_factory=lambda: defaultdict(int))
    live: list = field(default_factory=list)  # lots with points left


@dataclass(eq=False)
class _Lot:
    account: int
    kind: str
    points: int
    earned_on: dt.date
    available_on: dt.date | None
    expires_on: dt.date | None
    movement: Movement | int
    chain: _Chain | None
    rule: bool
    seq: int
    remaining: int = 0
    void: bool = False
    received_on: dt.date | None = None
    allocations: list = field(default_factory=list)  # [(movement or its pk, points)]
    written: bool = False

    def __post_init__(self) -> None:
        self.remaining = self.points

    @property
    def expires(self) -> dt.date | None:
        return self.chain.end if self.chain is not None else self.expires_on


@dataclass
class _Account:
    obj: LinkedAccount
    program: Program
    rank: dict[str, int]
    lots: list[_Lot] = field(default_factory=list)  # live: points left or pending
    chain: _Chain | None = None  # the current rolling chain (楽天 normal lots)


@dataclass
class Summary:
    purchases: int = 0
    cancelled: int = 0
    movements: int = 0
    lots: int = 0
    spent: int = 0
    expired: int = 0


class Generator:
    def __init__(self, name: str, purchases: int, *, seed: int, years: int, today: dt.date, password: str) -> None:
        self.rng = random.Random(seed)  # noqa: S311 — test data, deterministic on purpose
        self.name, self.n, self.years, self.today, self.password = name, purchases, years, today, password
        self.catalog: Catalog = get_catalog()
        self.programs = {p.slug: p for p in Program.objects.all()}
        self.methods = {m.slug: m for m in PaymentMethod.objects.all()}
        self.accounts: dict[tuple[int, str], _Account] = {}
        self.by_pk: dict[int, _Account] = {}
        self.heap: list[tuple[dt.date, int, _Lot | _Chain]] = []
        self.closed: list[_Chain] = []
        self.seq = 0
        self.totals: dict[int, dict[tuple[str, str, dt.date], int]] = defaultdict(lambda: defaultdict(int))
        self.summary = Summary()
        self._buffers()

    def _buffers(self) -> None:
        self.b_purchases: list[Purchase] = []
        self.b_items: list[OrderItem] = []
        self.b_revisions: list[Revision] = []
        self.b_movements: list[Movement] = []
        self.b_postings: list[Posting] = []
        self.b_uses: list[Use] = []

    # -- the household ------------------------------------------------------------------------------
    def household(self) -> Household:
        User = get_user_model()
        household = Household.objects.create(name=self.name)
        self.members: list[Member] = []
        for k, (name, role, login) in enumerate(MEMBERS):
            user = None
            if login:
                user = User.objects.create_user(f"h{household.pk}-{k}", password=self.password)
            self.members.append(Member.objects.create(household=household, name=name, user=user, role=role))
        self.household_obj = household
        # About twenty cards: every catalog card has a holder, four or five each.
        slugs = sorted(self.methods)
        self.rng.shuffle(slugs)
        self.cards: dict[int, list[str]] = defaultdict(list)
        for k, slug in enumerate(slugs[:20]):
            member = self.members[k % len(self.members)]
            held = HeldCard.objects.create(member=member, method=self.methods[slug])
            addons = list(Addon.objects.filter(eligible_cards__slug=slug))
            if addons:
                held.addons.set(addons)
            self.cards[member.pk].append(slug)
        for member in self.members:
            if not self.cards[member.pk]:
                self.cards[member.pk].append(slugs[0])
        # 楽天 and dポイント for everyone; dポイント linked on Amazon for the parents.
        for k, member in enumerate(self.members):
            self._account(member, "rakuten")
            account = self._account(member, "dpoint")
            if k < 2:
                account.obj.amazon_link = True
                account.obj.save(update_fields=["amazon_link"])
        start = self.today.replace(year=self.today.year - self.years)
        for rule in EarningRule.objects.filter(requires_entry=True):
            tiers = [t.status for t in rule.tiers.all()]
            for member in self.members[:2]:
                CampaignEntry.objects.create(
                    member=member,
                    rule=rule,
                    status=tiers[0] if tiers else "",
                    entered_on=max(rule.valid_from, start),
                )
        bonus_rules = EarningRule.objects.filter(rate_source=EarningRule.RateSource.MEMBER_PERCENT)
        for rule in bonus_rules:
            day = cycle_start(max(rule.valid_from, start), rule.cycle_start_day or 1)
            rows = []
            while day <= self.today:
                rows.append(CycleBonus(member=self.members[1], rule=rule, cycle_start=day, percent=Decimal(3)))
                day = cycle_start(day + dt.timedelta(days=32), rule.cycle_start_day or 1)
            CycleBonus.objects.bulk_create(rows)
        self.known = self._member_facts()
        return household

    def _member_facts(self) -> dict[int, MemberFacts]:
        known = {}
        for member in self.members:
            facts = MemberFacts()
            facts.accounts = [(slug, a.obj.amazon_link) for (pk, slug), a in self.accounts.items() if pk == member.pk]
            facts.addons = {
                card.method.slug: {a.slug for a in card.addons.all()}
                for card in HeldCard.objects.filter(member=member).select_related("method").prefetch_related("addons")
            }
            facts.entries = dict(CampaignEntry.objects.filter(member=member).values_list("rule__slug", "status"))
            facts.bonuses = {
                (slug, start): pct
                for slug, start, pct in CycleBonus.objects.filter(member=member).values_list(
                    "rule__slug", "cycle_start", "percent"
                )
            }
            known[member.pk] = facts
        return known

    def _account(self, member: Member, slug: str) -> _Account:
        key = (member.pk, slug)
        if key not in self.accounts:
            program = self.programs[slug]
            obj = LinkedAccount.objects.create(member=member, program=program)
            order = [k.strip() for k in program.spending_order.split(",") if k.strip()]
            self.accounts[key] = account = _Account(obj, program, {k: r for r, k in enumerate(order)})
            self.by_pk[obj.pk] = account
            if hasattr(self, "known"):
                self.known[member.pk].accounts.append((slug, False))
        return self.accounts[key]

    # -- history ------------------------------------------------------------------------------------
    def run(self) -> Summary:
        with transaction.atomic():
            self.household()
            start = self.today.replace(year=self.today.year - self.years)
            span = (self.today - start).days
            days = sorted(start + dt.timedelta(days=self.rng.randrange(span + 1)) for _ in range(self.n))
            month = None
            self.b_purchases_day = None
            for day in days:
                self.b_purchases_day = day
                if month is not None and (day.year, day.month) != month:
                    self._flush()
                    self._expire_until(day)
                    if day.month % 3 == 1:
                        self._redeem(day)
                month = (day.year, day.month)
                self._expire_until(day)
                self._purchase(day)
            self._expire_until(self.today)
            self._flush()
            self._flush(final=True)
            refresh_summaries(list(self.by_pk))
            MonthlySpend.objects.refresh([self.household_obj])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # after a bulk load, fresh statistics for the query planner
        return self.summary

    def _purchase(self, day: dt.date) -> None:
        rng = self.rng
        name, _w, typical, channel = rng.choices(SHOPS, weights=_weights())[0]
        member = rng.choice(self.members)
        method = rng.choice(self.cards[member.pk])
        amount = max(100, int(rng.lognormvariate(0, 0.6) * typical))
        funding = ""
        if method == "d-barai":
            funding = "dcard" if "dcard" in self.cards[member.pk] else "d-barai-balance"
        items, shipped = (), ()
        if name == "Amazon":
            flags = frozenset({"kindle"}) if rng.random() < 0.1 else frozenset()
            items = (Item(amount, flags, "商品"),)
            ship_day = day + dt.timedelta(days=rng.randint(1, 4))
            shipped = (ship_day if ship_day <= self.today else None,)
        facts = Facts(member, day, name, amount, method, channel=channel, funding=funding, items=items)
        facts.shipped_on = shipped
        spend_from = None
        if name in ("楽天市場", "Amazon") and rng.random() < SPEND_RATE and not (items and items[0].flags):
            spend_from = self._account(member, "rakuten" if name == "楽天市場" else "dpoint")
            on = shipped[0] if items else day
            if on is not None:
                usable = self._usable(spend_from, on)
                want = min(sum(lot.remaining for lot in usable), amount // 2)
                if want > 0:
                    facts.points_spent, facts.points_account = want, spend_from.obj
        known = self.known[member.pk]
        known.uses = [(0, k, key, s, amt) for (k, key, s), amt in self.totals[member.pk].items()]
        result = earn(payment_for(facts), self.catalog, context_from(facts, self.catalog, known))
        purchase = Purchase(
            household=self.household_obj,
            member=member,
            day=day,
            merchant_name=name,
            merchant_id=getattr(self.catalog.merchant_named(name), "id", None),
            amount=amount,
            method=self.methods[method],
            channel=channel,
            funding=funding,
            points_spent=facts.points_spent,
            points_account=facts.points_account,
        )
        self.b_purchases.append(purchase)
        for item, ship_day in zip(items, shipped, strict=True):
            self.b_items.append(
                OrderItem(
                    purchase=purchase, name=item.name, price=item.price, flags=sorted(item.flags), shipped_on=ship_day
                )
            )
        revision = Revision(purchase=purchase, action=Revision.Action.CREATED, facts=_facts_json(facts))
        revision.explanation = explain(result)
        self.b_revisions.append(revision)
        self.summary.purchases += 1
        postings: list[tuple[Posting, _Lot | None]] = []
        if facts.points_spent:
            on = shipped[0] if items else day
            movement = self._movement(spend_from, Movement.Kind.SPEND, -facts.points_spent, on, str(purchase))
            self._take(movement, self._usable(spend_from, on), facts.points_spent)
            self.summary.spent += facts.points_spent
            postings.append((Posting(purchase=purchase, revision=revision, movement=movement, source="spend"), None))
        for earning in result.earnings:
            if earning.points <= 0:
                continue
            account = self._account(member, earning.program)
            on = earning.pending_from or day
            movement = self._movement(account, Movement.Kind.EARN, earning.points, on, str(purchase))
            movement.reason = " ".join(earning.reasons)
            lot = self._lot(account, movement, earning, on)
            lot.rule = earning.source.startswith("rule:")
            postings.append(
                (Posting(purchase=purchase, revision=revision, movement=movement, source=earning.source), lot)
            )
        self.b_postings.extend(p for p, _lot in postings)
        uses = [
            (kind, str(key), _period_start(kind, str(key), day, self.catalog), used)
            for earning in result.earnings
            for kind, key, used in earning.uses
            if used
        ]
        if (
            not facts.points_spent
            and postings
            and rng.random() < CANCEL_RATE[channel]
            and self._cancel(purchase, postings, day)
        ):
            return
        for kind, key, start, used in uses:
            self.totals[member.pk][(kind, key, start)] += used
            self.b_uses.append(
                Use(purchase=purchase, member=member, kind=kind, key=key, period_start=start, amount=used)
            )

    def _redeem(self, day: dt.date) -> None:
        """A few times a year the family uses what has piled up (an award flight, a transfer, a shop)."""
        for account in self.by_pk.values():
            usable = self._usable(account, day)
            have = sum(lot.remaining for lot in usable)
            if have >= REDEEM_FROM:
                points = have * self.rng.randint(60, 100) // 100
                movement = self._movement(account, Movement.Kind.SPEND, -points, day, "特典・ポイント交換")
                self._take(movement, usable, points)
                self.summary.spent += points

    def _cancel(self, purchase: Purchase, postings, day: dt.date) -> bool:
        """Cancel a few days later, while the points are still pending: each lot is voided (the ledger's
        reading for an earning reversed before its grant). Returns False if that is not possible."""
        lots = [lot for _p, lot in postings]
        pending_until = min((lot.available_on or dt.date.max) for lot in lots)
        on = day + dt.timedelta(days=self.rng.randint(1, 10))
        if on >= pending_until or on > self.today:
            return False
        for posting, lot in postings:
            account = self.by_pk[lot.account]
            undo = self._movement(account, Movement.Kind.REVERSE, -lot.points, on, str(purchase))
            undo.reverses = posting.movement
            lot.allocations.append((undo, lot.points))
            self._void(lot)
            posting.reversed = True
        purchase.cancelled_on = on
        self.b_revisions.append(
            Revision(purchase=purchase, action=Revision.Action.CANCELLED, facts=self.b_revisions[-1].facts)
        )
        self.summary.cancelled += 1
        return True

    # -- the ledger's rules, on lots in memory ----------------------------------------------------------
    def _movement(self, account: _Account, kind: str, points: int, on: dt.date, note: str) -> Movement:
        movement = Movement(account=account.obj, kind=kind, points=points, on=on, note=note[:300])
        self.b_movements.append(movement)
        self.summary.movements += 1
        return movement

    def _lot(self, account: _Account, movement: Movement, earning, on: dt.date) -> _Lot:
        program = account.program
        granted, expires_on = earning.available_on, earning.expires_on
        normal = earning.kind == LotKind.NORMAL
        if expires_on is None and normal and granted and program.normal_expiry != Program.Expiry.NEVER:
            expires_on = counting_month_end(granted, program.normal_expiry_months or 12)
        self.seq += 1
        lot = _Lot(
            account.obj.pk, earning.kind, earning.points, on, granted, expires_on, movement, None, False, self.seq
        )
        account.lots.append(lot)
        self.summary.lots += 1
        if normal and granted is not None and program.normal_expiry == Program.Expiry.ROLLING:
            chain = account.chain
            if chain is None or granted > chain.end:  # the old chain expired before this grant
                if chain is not None:
                    self._close(account)
                chain = account.chain = _Chain(account.obj.pk, expires_on, granted, granted)
            chain.first, chain.last = min(chain.first, granted), max(chain.last, granted)
            chain.end = max(chain.end, expires_on)
            chain.grants[granted] += 1
            chain.live.append(lot)
            lot.chain, lot.expires_on = chain, None
            self._watch(chain.end, chain)
        elif expires_on is not None:
            self._watch(expires_on, lot)
        return lot

    def _close(self, account: _Account) -> None:
        """The chain expired: its lots' expiry day is final."""
        self.closed.append(account.chain)
        account.chain = None

    def _void(self, lot: _Lot) -> None:
        """An earning reversed before its grant: the lot never existed for the expiry chain."""
        chain = lot.chain
        lot.remaining, lot.void, lot.chain, lot.expires_on = 0, True, None, None
        if chain is None:
            return
        chain.live.remove(lot)
        chain.grants[lot.available_on] -= 1
        if not chain.grants[lot.available_on]:
            del chain.grants[lot.available_on]
        if chain.grants:
            months = self.by_pk[chain.account].program.normal_expiry_months or 12
            chain.end = counting_month_end(max(chain.grants), months)
            self._watch(chain.end, chain)

    def _watch(self, day: dt.date, what) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (day, self.seq, what))

    def _usable(self, account: _Account, on: dt.date) -> list[_Lot]:
        never = dt.date.max
        usable = [
            lot
            for lot in account.lots
            if lot.remaining > 0
            and lot.available_on is not None
            and lot.available_on <= on
            and (lot.expires is None or lot.expires >= on)
        ]
        rank = account.rank
        return sorted(
            usable, key=lambda lot: (rank.get(lot.kind, len(rank)), lot.expires or never, lot.available_on, lot.seq)
        )

    def _take(self, movement: Movement, lots: list[_Lot], points: int) -> None:
        for lot in lots:
            if not points:
                break
            taken = min(points, lot.remaining)
            if taken:
                lot.remaining -= taken
                lot.allocations.append((movement, taken))
                points -= taken
        if points:
            raise AssertionError("the generator spent points the account did not have")

    def _expire_until(self, day: dt.date) -> None:
        """Record, as the daily job does, expire movements for points whose last day was before `day`."""
        due: dict[tuple[int, dt.date], list[_Lot]] = defaultdict(list)
        while self.heap and self.heap[0][0] < day:
            expires_on, _seq, what = heapq.heappop(self.heap)
            if isinstance(what, _Chain):
                if what.end != expires_on or not what.grants:
                    continue  # moved on by a later grant, or emptied by voids
                due[(what.account, expires_on)].extend(lot for lot in what.live if lot.remaining)
                what.live = []
                account = self.by_pk[what.account]
                if account.chain is what:
                    self._close(account)
            elif what.remaining and not what.void and what.expires == expires_on:
                due[(what.account, expires_on)].append(what)
        for (account_pk, expires_on), lots in sorted(due.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            lots = [lot for lot in dict.fromkeys(lots) if lot.remaining]
            points = sum(lot.remaining for lot in lots)
            if not points:
                continue
            account = self.by_pk[account_pk]
            movement = self._movement(account, Movement.Kind.EXPIRE, -points, expires_on + dt.timedelta(days=1), "")
            self._take(movement, sorted(lots, key=lambda lot: lot.seq), points)
            self.summary.expired += points

    # -- writing --------------------------------------------------------------------------------------
    def _flush(self, final: bool = False) -> None:
        insert(Purchase, self.b_purchases)
        insert(OrderItem, self.b_items)
        insert(Revision, self.b_revisions)
        # A reversal names the movement it reverses, which needs that movement's id first.
        insert(Movement, [m for m in self.b_movements if m.kind != Movement.Kind.REVERSE])
        insert(Movement, [m for m in self.b_movements if m.kind == Movement.Kind.REVERSE])
        insert(Posting, self.b_postings)
        insert(Use, self.b_uses)
        self._buffers()
        self._forget_old_uses()
        # A lot is written once nothing but its chain's end can change: no points left, or voided.
        # Lots with points left (or pending) stay in memory until the end.
        done = []
        for account in self.by_pk.values():
            live = []
            for lot in account.lots:
                (done if final or lot.remaining == 0 else live).append(lot)
            account.lots = live
            if account.chain is not None:
                account.chain.live = [lot for lot in account.chain.live if lot.remaining]
            for lot in live:
                lot.movement = _pk(lot.movement)
                lot.allocations = [(_pk(m), p) for m, p in lot.allocations]
        cutoff = self.today - dt.timedelta(days=14)
        rows, allocations = [], []
        for lot in done:
            received = lot.available_on if lot.rule and lot.available_on and lot.available_on <= cutoff else None
            row = Lot(
                account_id=lot.account,
                earned_by_id=_pk(lot.movement),
                kind=lot.kind,
                points=lot.points,
                remaining=lot.remaining,
                earned_on=lot.earned_on,
                available_on=lot.available_on,
                expires_on=lot.expires,
                void=lot.void,
                received_on=None if lot.void else received,
                promised=lot.rule,
            )
            rows.append(row)
            allocations.append((row, lot.allocations))
            lot.allocations = []  # written: the expiry heap may still hold the lot, not its history
        insert(Lot, rows)
        insert(
            Allocation,
            [Allocation(movement_id=_pk(m), lot_id=row.pk, points=p) for row, taken in allocations for m, p in taken],
        )
        # Lots written while their chain still grew: give them the chain's end.
        chains = self.closed + ([a.chain for a in self.by_pk.values() if a.chain] if final else [])
        for chain in chains:
            Lot.objects.filter(
                account_id=chain.account,
                kind=LotKind.NORMAL,
                void=False,
                available_on__gte=chain.first,
                available_on__lte=chain.last,
            ).exclude(expires_on=chain.end).update(expires_on=chain.end)
        self.closed = []

    def _forget_old_uses(self) -> None:
        """Annual caps and cycles long past cannot limit a new payment; a campaign's period can."""
        if not self.b_purchases_day:
            return
        old = self.b_purchases_day - dt.timedelta(days=400)
        for totals in self.totals.values():
            for key in [k for k in totals if k[0] in ("cap", "cycle") and k[2] < old]:
                del totals[key]


def _pk(movement: Movement | int) -> int:
    return movement if isinstance(movement, int) else movement.pk


def generate(
    name: str, purchases: int, *, seed: int = 1, years: int = 10, today: dt.date, password: str
) -> tuple[Household, Summary]:
    generator = Generator(name, purchases, seed=seed, years=years, today=today, password=password)
    summary = generator.run()
    return generator.household_obj, summary


@transaction.atomic
def empty_copy(source: Household, name: str, *, password: str) -> Household:
    """A household with `source`'s members, cards (with their add-ons), point accounts (with their Amazon
    links), campaign entries and スーパー還元 bonuses, and no history: where `source`'s exported purchases
    import again and earn what they earned there (the benchmark's import)."""
    User = get_user_model()
    household = Household.objects.create(name=name)
    members: dict[int, Member] = {}
    for k, member in enumerate(source.members.order_by("pk")):
        user = User.objects.create_user(f"h{household.pk}-{k}", password=password) if member.user_id else None
        members[member.pk] = Member.objects.create(household=household, name=member.name, user=user, role=member.role)
    for card in source.scoped(HeldCard).prefetch_related("addons").order_by("pk"):
        held = HeldCard.objects.create(member=members[card.member_id], method_id=card.method_id)
        held.addons.set(card.addons.all())
    LinkedAccount.objects.bulk_create(
        LinkedAccount(
            member=members[a.member_id],
            program_id=a.program_id,
            label=a.label,
            amazon_link=a.amazon_link,
            amazon_auto_use=a.amazon_auto_use,
        )
        for a in source.scoped(LinkedAccount).order_by("pk")
    )
    CampaignEntry.objects.bulk_create(
        CampaignEntry(member=members[e.member_id], rule_id=e.rule_id, status=e.status, entered_on=e.entered_on)
        for e in source.scoped(CampaignEntry).order_by("pk")
    )
    CycleBonus.objects.bulk_create(
        CycleBonus(member=members[b.member_id], rule_id=b.rule_id, cycle_start=b.cycle_start, percent=b.percent)
        for b in source.scoped(CycleBonus).order_by("pk")
    )
    return household
