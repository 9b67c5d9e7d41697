"""From a purchase to the ledger: the engine's earnings become earn movements, points spent a spend.

Service functions (one transaction each; a `ValidationError` a user can read changes nothing):
`log_purchase`, `revise`, `cancel`, `ship`, and `preview` for the form's live preview, which posts
nothing. The engine's context — cards' add-ons, links, entries, the member's スーパー還元 bonus %,
and what earlier purchases already used of annual / cycle / period caps — is read here, so the
engine itself stays plain Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Member
from pointbook.bulk import new
from programs.catalog import Catalog, get_catalog
from programs.engine import Context, Coupon, Item, Payment, Result, apply_coupons, cycle_start, earn
from programs.models import EarningRule, PointUseRule
from wallets import ledger
from wallets.models import CampaignEntry, CycleBonus, HeldCard, LinkedAccount, Lot

from .models import MonthlySpend, OrderItem, Posting, Purchase, Revision, Use

DATE = "%Y-%m-%d"


@dataclass
class Facts:
    """What the family enters for one purchase (the form and the CSV import both produce this)."""

    member: Member
    day: dt.date
    merchant_name: str
    amount: int
    method: str
    channel: str = "store"
    amount_excl_tax: int | None = None
    tax_rate_percent: int = 10
    funding: str = ""
    coupons: tuple[Coupon, ...] = ()
    points_spent: int = 0
    points_account: LinkedAccount | None = None
    items: tuple[Item, ...] = ()
    shipped_on: tuple[dt.date | None, ...] = ()  # per item
    expected_ship_on: dt.date | None = None
    note: str = ""


def payment_for(facts: Facts) -> Payment:
    shipped = facts.shipped_on
    every_item_shipped = bool(facts.items) and len(shipped) == len(facts.items) and all(shipped)
    return Payment(
        date=facts.day,
        merchant=facts.merchant_name,
        amount=facts.amount,
        method=facts.method,
        channel=facts.channel,
        amount_excl_tax=facts.amount_excl_tax,
        tax_rate_percent=facts.tax_rate_percent,
        coupons=facts.coupons,
        points_spent=facts.points_spent,
        funding=facts.funding or None,
        items=facts.items,
        shipped_on=max(shipped) if every_item_shipped else None,
    )


def _period_start(kind: str, key: str, day: dt.date, catalog: Catalog) -> dt.date | None:
    if kind == "cap":
        return dt.date(day.year, 1, 1)  # annual caps run per calendar year (国税: RULES.md §1)
    rule = next((r for r in catalog.rules if r.slug == key), None)
    if rule is None:
        return None
    if kind == "cycle":
        return cycle_start(day, rule.cycle_start_day or 1)
    return rule.valid_from


@dataclass
class MemberFacts:
    """What a member brings to the engine, loaded once (for one purchase, or for many in the insights)."""

    accounts: list[tuple[str, bool]] = field(default_factory=list)  # (programme slug, linked on Amazon)
    addons: dict[str, set[str]] = field(default_factory=dict)  # card slug → add-on slugs
    entries: dict[str, str] = field(default_factory=dict)
    bonuses: dict[tuple[str, dt.date], object] = field(default_factory=dict)  # (rule, cycle start) → %
    uses: list[tuple[int, str, str, dt.date, int]] = field(default_factory=list)  # purchase, kind, key, start, amount


def member_facts(
    members: Iterable[Member], uses_since: dt.date | None = None, with_uses: bool = True
) -> dict[int, MemberFacts]:
    """Five queries for any number of members (four without their uses)."""
    ids = [m.pk for m in members]
    found = {pk: MemberFacts() for pk in ids}
    for member_id, slug, linked in LinkedAccount.objects.filter(member__in=ids).values_list(
        "member_id", "program__slug", "amazon_link"
    ):
        found[member_id].accounts.append((slug, linked))
    for card in HeldCard.objects.filter(member__in=ids).select_related("method").prefetch_related("addons"):
        found[card.member_id].addons[card.method.slug] = {addon.slug for addon in card.addons.all()}
    for member_id, slug, status in CampaignEntry.objects.filter(member__in=ids).values_list(
        "member_id", "rule__slug", "status"
    ):
        found[member_id].entries[slug] = status
    for member_id, slug, start, percent in CycleBonus.objects.filter(member__in=ids).values_list(
        "member_id", "rule__slug", "cycle_start", "percent"
    ):
        found[member_id].bonuses[(slug, start)] = percent
    if not with_uses:
        return found
    uses = Use.objects.filter(member__in=ids, purchase__cancelled_on=None)
    if uses_since is not None:
        uses = uses.filter(period_start__gte=uses_since)
    for row in uses.values_list("member_id", "purchase_id", "kind", "key", "period_start", "amount"):
        found[row[0]].uses.append(row[1:])
    return found


def context_from(facts: Facts, catalog: Catalog, known: MemberFacts, exclude_id: int | None = None) -> Context:
    merchant = catalog.merchant_named(facts.merchant_name)
    on_amazon = merchant is not None and merchant.name == "Amazon"
    # On Amazon a partner programme earns only when it is linked to the Amazon account (RULES.md §3).
    linked = {slug for slug, amazon_link in known.accounts if amazon_link or not on_amazon}
    bonus = None
    for rule in catalog.rules:
        if rule.rate_source == EarningRule.RateSource.MEMBER_PERCENT and rule.valid_on(facts.day):
            bonus = known.bonuses.get((rule.slug, cycle_start(facts.day, rule.cycle_start_day or 1)), bonus)
    context = Context(
        addons={card: set(addons) for card, addons in known.addons.items()},
        linked_programs=linked,
        entries=dict(known.entries),
        bonus_percent=bonus,
    )
    starts = {("cap", str(cap.id)): dt.date(facts.day.year, 1, 1) for cap in catalog.caps}
    for rule in catalog.rules:
        if rule.cap_yen_per_cycle is not None:
            starts[("cycle", rule.slug)] = _period_start("cycle", rule.slug, facts.day, catalog)
        if rule.cap_points_per_period is not None:
            starts[("period", rule.slug)] = rule.valid_from
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for purchase_id, kind, key, start, amount in known.uses:
        if purchase_id != exclude_id and starts.get((kind, key)) == start:
            totals[(kind, key)] += amount
    for (kind, key), amount in totals.items():
        if kind == "cap":
            context.cap_spent_yen[int(key)] = amount
        elif kind == "cycle":
            context.cycle_spent_yen[key] = amount
        else:
            context.period_points[key] = amount
    return context


def uses_since(day: dt.date) -> dt.date:
    """How far back a purchase's context reads the uses of caps (the previous year and a margin)."""
    return dt.date(day.year, 1, 1) - dt.timedelta(days=400)


def context_for(facts: Facts, catalog: Catalog, exclude: Purchase | None = None) -> Context:
    known = member_facts([facts.member], uses_since=uses_since(facts.day))
    return context_from(facts, catalog, known[facts.member.pk], exclude.pk if exclude else None)


class Session:
    """What posting reads again and again, read once: the catalog, payment methods, programmes, each
    member's accounts and engine context, and what their purchases used of caps (summed per period,
    kept up to date as purchases are posted, cancelled or revised). `log_purchase`, `revise` and
    `cancel` take one; without it each call makes its own, so a form post reads what it needs and
    nothing more, and an import (`transactions.csv_io`) shares one over every row of the file.

    Only valid inside one transaction that holds the household's writes: it does not see changes
    made by anyone else meanwhile. New purchases, their items, revisions, postings and uses are
    written in bulk (`write`, every `BULK` purchases, and before anything reads them back), and its
    ledger batch locks each account once and adds up the monthly summaries: `flush` before the
    transaction ends.
    """

    BULK = 500

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog or get_catalog()
        self.ledger = ledger.Batch()
        # Written after the ledger's rows (postings name movements), and only every `BULK` purchases or
        # before a read: a spend's write of the ledger's rows need not write these.
        self._pending: dict[type, list] = {Purchase: [], OrderItem: [], Revision: [], Posting: [], Use: []}
        self._methods: dict = {}
        self._programs: dict[str, int] = {}
        self._use_rules: dict[tuple[int, int | None], list[PointUseRule]] = {}
        self._known: dict[int, MemberFacts] = {}
        self._accounts: dict[int, dict[str, LinkedAccount]] = {}
        # member → (kind, key, period start) → amount, for periods starting on or after `_since`
        self._totals: dict[int, dict[tuple[str, str, dt.date], int]] = {}
        self._since: dict[int, dt.date] = {}
        self._spent: dict[tuple[int, dt.date], int] = {}  # (household, month) → yen, for `MonthlySpend`

    def add(self, rows: Iterable) -> None:
        """Rows to write with the next `write`."""
        for row in rows:
            if type(row) is Purchase and len(self._pending[Purchase]) >= self.BULK:
                self.write()
            self._pending[type(row)].append(row)

    def write(self) -> None:
        self.ledger.write()  # movements first: postings name them
        ledger.write_waiting(self._pending)

    def method(self, slug: str):
        from programs.models import PaymentMethod

        if slug not in self._methods:
            try:
                self._methods[slug] = PaymentMethod.objects.get(slug=slug)
            except PaymentMethod.DoesNotExist:
                raise ValidationError(_("Unknown card or payment method “%(slug)s”.") % {"slug": slug}) from None
        return self._methods[slug]

    def program_id(self, slug: str) -> int:
        if slug not in self._programs:
            self._programs[slug] = catalog_program_id(slug)
        return self._programs[slug]

    def use_rules(self, program_id: int, merchant_id: int | None, day: dt.date) -> list[PointUseRule]:
        """The programme's use rules for the merchant (or every merchant), valid on `day`."""
        key = (program_id, merchant_id)
        if key not in self._use_rules:
            rules = PointUseRule.objects.filter(program_id=program_id)
            rules = rules.filter(Q(merchants__isnull=True) | Q(merchants__id=merchant_id)).distinct()
            self._use_rules[key] = list(rules.order_by("pk"))
        return [rule for rule in self._use_rules[key] if rule.is_valid_on(day)]

    def accounts(self, member: Member) -> dict[str, LinkedAccount]:
        if member.pk not in self._accounts:
            self._accounts[member.pk] = {
                a.program.slug: a for a in LinkedAccount.objects.filter(member=member).select_related("program")
            }
        return self._accounts[member.pk]

    def add_account(self, member: Member, slug: str) -> LinkedAccount:
        account = LinkedAccount.objects.create(member=member, program_id=self.program_id(slug))
        self.accounts(member)[slug] = account
        if member.pk in self._known:
            self._known[member.pk].accounts.append((slug, account.amazon_link))
        return account

    def context(self, facts: Facts) -> Context:
        member, since = facts.member, uses_since(facts.day)
        if member.pk not in self._known:
            self._known[member.pk] = member_facts([member], with_uses=False)[member.pk]
            self._totals[member.pk] = {}
        loaded = self._since.get(member.pk)
        if loaded is None or since < loaded:
            self.write()
            # Read the uses of the periods not read yet (those in memory already count posted purchases).
            uses = Use.objects.filter(member=member, purchase__cancelled_on=None, period_start__gte=since)
            if loaded is not None:
                uses = uses.filter(period_start__lt=loaded)
            totals = self._totals[member.pk]
            for kind, key, start, amount in (
                uses.values_list("kind", "key", "period_start").annotate(total=Sum("amount")).order_by()
            ):
                totals[(kind, key, start)] = totals.get((kind, key, start), 0) + amount
            self._since[member.pk] = since
        known = self._known[member.pk]
        known.uses = [
            (0, kind, key, start, amount)
            for (kind, key, start), amount in self._totals[member.pk].items()
            if start >= since and amount
        ]
        return context_from(facts, self.catalog, known)

    def count_uses(self, member_id: int, uses: Iterable[tuple[str, str, dt.date | None, int]], sign: int = 1):
        """Posted (sign 1) or deleted (sign -1) uses, for the periods held in memory."""
        since = self._since.get(member_id)
        if since is None:
            return
        totals = self._totals[member_id]
        for kind, key, start, amount in uses:
            if start is not None and start >= since:
                totals[(kind, key, start)] = totals.get((kind, key, start), 0) + sign * amount

    def count_spend(self, purchase: Purchase, sign: int = 1) -> None:
        """A live purchase added (1) or taken away (-1): its month's spend, written with `flush`."""
        key = (purchase.household_id, purchase.day.replace(day=1))
        self._spent[key] = self._spent.get(key, 0) + sign * purchase.amount

    def flush(self) -> None:
        self.write()
        self.ledger.flush()
        MonthlySpend.objects.add(self._spent)
        self._spent.clear()

    def forget_uses(self, purchase: Purchase) -> None:
        """Delete the purchase's uses (it is cancelled or reposted)."""
        self.write()
        uses = Use.objects.filter(purchase=purchase)
        self.count_uses(purchase.member_id, uses.values_list("kind", "key", "period_start", "amount"), -1)
        uses.delete()


def preview(facts: Facts, exclude: Purchase | None = None) -> Result:
    """What the purchase would earn, posting nothing (the form's live preview)."""
    catalog = get_catalog()
    return earn(payment_for(facts), catalog, context_for(facts, catalog, exclude))


def refused_use(facts: Facts, catalog: Catalog, session: Session | None = None) -> tuple[str, list[str] | None]:
    """Check the points spent against the programme's use rules; returns (rule note, usable kinds)."""
    account = facts.points_account
    if not facts.points_spent:
        return "", None
    if account is None:
        raise ValidationError(_("Choose the account the points come from."))
    if account.member_id != facts.member.pk:
        raise ValidationError(_("Points can only be spent from the member's own account."))
    merchant = catalog.merchant_named(facts.merchant_name)
    session = session or Session(catalog)
    rules = session.use_rules(account.program_id, merchant.id if merchant else None, facts.day)
    kinds, notes = None, []
    flags = {flag for item in facts.items for flag in item.flags}
    for rule in rules:
        refused = flags & set(rule.refused_item_flags)
        if refused:
            raise ValidationError(
                _("%(program)s points cannot pay for this order (%(items)s): %(rule)s")
                % {"program": account.program.name, "items": ", ".join(sorted(refused)), "rule": rule.note}
            )
        if rule.usable_kinds:
            kinds = list(rule.usable_kinds)
            notes.append(rule.note)
    return " ".join(notes), kinds


def facts_of(purchase: Purchase) -> Facts:
    items = list(purchase.items.all())
    return Facts(
        member=purchase.member,
        day=purchase.day,
        merchant_name=purchase.merchant_name,
        amount=purchase.amount,
        method=purchase.method.slug,
        channel=purchase.channel,
        amount_excl_tax=purchase.amount_excl_tax,
        tax_rate_percent=purchase.tax_rate_percent,
        funding=purchase.funding,
        coupons=tuple(
            Coupon(c["kind"], c["value"], dt.date.fromisoformat(c["expires_on"]) if c.get("expires_on") else None)
            for c in purchase.coupons
        ),
        points_spent=purchase.points_spent,
        points_account=purchase.points_account,
        items=tuple(Item(i.price, frozenset(i.flags), i.name) for i in items),
        shipped_on=tuple(i.shipped_on for i in items),
        expected_ship_on=purchase.expected_ship_on,
        note=purchase.note,
    )


def _facts_json(facts: Facts) -> dict:
    return {
        "member": facts.member.name,
        "day": facts.day.strftime(DATE),
        "merchant": facts.merchant_name,
        "amount": facts.amount,
        "amount_excl_tax": facts.amount_excl_tax,
        "method": facts.method,
        "channel": facts.channel,
        "funding": facts.funding,
        "coupons": [_coupon_json(c) for c in facts.coupons],
        "points_spent": facts.points_spent,
        "points_account": facts.points_account.program.slug if facts.points_account else None,
        "items": [
            {"name": i.name, "price": i.price, "flags": sorted(i.flags), "shipped_on": s and s.strftime(DATE)}
            for i, s in zip(facts.items, facts.shipped_on or (None,) * len(facts.items), strict=False)
        ],
    }


def _coupon_json(coupon: Coupon) -> dict:
    return {
        "kind": coupon.kind,
        "value": coupon.value,
        "expires_on": coupon.expires_on.strftime(DATE) if coupon.expires_on else None,
    }


def _write(purchase: Purchase | None, facts: Facts, session: Session, **creating) -> Purchase:
    """Write the facts into the purchase, or into a new one (with `creating`'s fields too) if None."""
    found = session.catalog.merchant_named(facts.merchant_name)
    fields = {
        "member": facts.member,
        "household_id": facts.member.household_id,
        "day": facts.day,
        "merchant_name": facts.merchant_name,
        "merchant_id": found.id if found else None,
        "amount": facts.amount,
        "amount_excl_tax": facts.amount_excl_tax,
        "tax_rate_percent": facts.tax_rate_percent,
        "method": session.method(facts.method),
        "channel": facts.channel,
        "funding": facts.funding,
        "coupons": [_coupon_json(c) for c in facts.coupons],
        "points_spent": facts.points_spent,
        "points_account": facts.points_account,
        "expected_ship_on": facts.expected_ship_on,
        "note": facts.note,
    }
    if purchase is None:
        purchase = new(Purchase, **creating, **fields)
        session.add([purchase])
    else:
        for name, value in fields.items():
            setattr(purchase, name, value)
        purchase.save()
        purchase.items.all().delete()
    session.add(
        new(OrderItem, purchase=purchase, name=i.name, price=i.price, flags=sorted(i.flags), shipped_on=s)
        for i, s in zip(facts.items, facts.shipped_on or (None,) * len(facts.items), strict=False)
    )
    return purchase


def _post(
    purchase: Purchase, facts: Facts, revision: Revision, by: AbstractBaseUser | None, session: Session, revised: bool
) -> Result:
    catalog = session.catalog
    if facts.amount <= 0:
        raise ValidationError(_("The amount must be a positive number of yen."))
    if facts.points_spent > facts.amount:
        raise ValidationError(_("More points than the amount cannot be spent on a purchase."))
    note, kinds = refused_use(facts, catalog, session)
    if revised:  # a revised purchase's own earlier uses do not count against it
        session.forget_uses(purchase)
    result = earn(payment_for(facts), catalog, session.context(facts))
    label = str(purchase)
    shipped = payment_for(facts).shipped_on
    postings = []
    # Amazon deducts partner points at shipment, not at order (RULES.md §3).
    if facts.points_spent and (not facts.items or shipped):
        try:
            movement = ledger.spend(
                facts.points_account,
                facts.points_spent,
                shipped or facts.day,
                by=by,
                only_kinds=kinds,
                note=label,
                batch=session.ledger,
            )
        except ValidationError as refused:
            raise ValidationError([*refused.messages, note] if note else refused.messages) from None
        postings.append(new(Posting, purchase=purchase, revision=revision, movement=movement, source="spend"))
    elif facts.points_spent:
        session.ledger.ready(facts.points_account.pk)  # lots waiting in the batch count too
        try:
            ledger.check_available(facts.points_account, facts.points_spent, facts.day, kinds)
        except ValidationError as refused:
            raise ValidationError([*refused.messages, note] if note else refused.messages) from None
    accounts = session.accounts(facts.member)
    for earning in result.earnings:
        if earning.points <= 0:
            continue
        account = accounts.get(earning.program)
        if account is None:
            account = session.add_account(facts.member, earning.program)
        on = earning.pending_from or facts.day
        movement = ledger.earn(
            account,
            earning.points,
            on,
            available_on=earning.available_on,
            kind=earning.kind,
            expires_on=earning.expires_on,
            by=by,
            note=label,
            reason=" ".join(earning.reasons),
            promised=earning.source.startswith("rule:"),
            batch=session.ledger,
        )
        postings.append(new(Posting, purchase=purchase, revision=revision, movement=movement, source=earning.source))
    revision.explanation = explain(result)
    session.add([revision, *postings])
    uses = [
        new(
            Use,
            purchase=purchase,
            member=facts.member,
            kind=kind,
            key=str(key),
            period_start=_period_start(kind, str(key), facts.day, catalog),
            amount=amount,
        )
        for earning in result.earnings
        for kind, key, amount in earning.uses
        if amount
    ]
    session.add(uses)
    session.count_uses(facts.member.pk, ((u.kind, u.key, u.period_start, u.amount) for u in uses))
    return result


def catalog_program_id(slug: str) -> int:
    from programs.models import Program

    return Program.objects.only("pk").get(slug=slug).pk


def explain(result: Result) -> list[dict]:
    return [
        {
            "program": e.program,
            "points": e.points,
            "kind": str(e.kind),
            "source": e.source,
            "treatment": e.treatment,
            "available_on": e.available_on and e.available_on.strftime(DATE),
            "expires_on": e.expires_on and e.expires_on.strftime(DATE),
            "reasons": list(e.reasons),
        }
        for e in result.earnings
    ] + [{"source": r.source, "points": 0, "reasons": [r.reason]} for r in result.not_earned]


def _reverse_postings(purchase: Purchase, on: dt.date, by: AbstractBaseUser | None, session: Session) -> None:
    live = list(purchase.postings.filter(reversed=False).select_related("movement").order_by("-movement__points"))
    # Give spent points back before taking earned ones, so a refund never runs short on its own points.
    live.sort(key=lambda p: p.movement.points > 0)
    for posting in live:
        ledger.reverse(posting.movement, max(on, posting.movement.on), by=by, note=str(purchase), batch=session.ledger)
    purchase.postings.filter(pk__in=[p.pk for p in live]).update(reversed=True)


def log_purchase(
    facts: Facts, *, by: AbstractBaseUser | None = None, import_key: str = "", session: Session | None = None
) -> Purchase:
    with ledger.batch_or_own(session, Session) as session:
        purchase = _write(None, facts, session, import_key=import_key, created_by=_user(by))
        session.count_spend(purchase)
        revision = new(
            Revision, purchase=purchase, action=Revision.Action.CREATED, facts=_facts_json(facts), created_by=_user(by)
        )
        _post(purchase, facts, revision, by, session, revised=False)
    return purchase


def revise(
    purchase: Purchase,
    facts: Facts,
    *,
    by: AbstractBaseUser | None = None,
    on: dt.date | None = None,
    session: Session | None = None,
):
    """Edit a purchase: its movements are reversed and the new facts posted; the old ones stay."""
    with ledger.batch_or_own(session, Session) as session:
        session.write()  # the purchase may still be waiting to be written
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.cancelled_on:
            raise ValidationError(_("A cancelled purchase cannot be edited."))
        _reverse_postings(purchase, on or timezone.localdate(), by, session)
        session.count_spend(purchase, -1)
        _write(purchase, facts, session)
        session.count_spend(purchase)
        revision = new(
            Revision, purchase=purchase, action=Revision.Action.EDITED, facts=_facts_json(facts), created_by=_user(by)
        )
        _post(purchase, facts, revision, by, session, revised=True)
    return purchase


def cancel(
    purchase: Purchase,
    *,
    by: AbstractBaseUser | None = None,
    on: dt.date | None = None,
    session: Session | None = None,
) -> int:
    """Cancel: every movement is reversed. Returns the yen refunded — the amount after coupons (楽天:
    a refund after cancellation returns the post-coupon amount, RULES.md §2)."""
    with ledger.batch_or_own(session, Session) as session:
        session.write()  # the purchase may still be waiting to be written
        purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
        if purchase.cancelled_on:
            raise ValidationError(_("This purchase is already cancelled."))
        day = on or timezone.localdate()
        _reverse_postings(purchase, day, by, session)
        facts = facts_of(purchase)
        purchase.cancelled_on = day
        purchase.save(update_fields=["cancelled_on"])
        session.count_spend(purchase, -1)
        session.forget_uses(purchase)
        Revision.objects.create(
            purchase=purchase, action=Revision.Action.CANCELLED, facts=_facts_json(facts), created_by=_user(by)
        )
    return refund_yen(purchase)


def refund_yen(purchase: Purchase) -> int:
    return purchase.amount - apply_coupons(purchase.amount, facts_of(purchase).coupons)


@transaction.atomic
def ship(purchase: Purchase, day: dt.date, *, items=None, by: AbstractBaseUser | None = None) -> Purchase:
    """Items of an order shipped on `day`. When every item has, the points spent are deducted and the
    points earned at shipment become available — by reposting the order with its shipment date."""
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if purchase.cancelled_on:
        raise ValidationError(_("A cancelled order does not ship."))
    waiting = purchase.items.filter(shipped_on__isnull=True)
    if items is not None:
        waiting = waiting.filter(pk__in=[i.pk for i in items])
    if day < purchase.day:
        raise ValidationError(_("An order cannot ship before it was placed."))
    waiting.update(shipped_on=day)
    if purchase.items.filter(shipped_on__isnull=True).exists():
        return purchase
    facts = facts_of(purchase)
    spent_late = facts.points_spent and not purchase.postings.filter(source="spend").exists()
    at_shipment = Lot.objects.filter(
        earned_by__posting__purchase=purchase, earned_by__posting__reversed=False, available_on__isnull=True
    )
    for lot in at_shipment:
        ledger.make_available(lot, day)
    if spent_late:
        _spend_at_shipment(purchase, facts, day, by)
    Revision.objects.create(
        purchase=purchase, action=Revision.Action.SHIPPED, facts=_facts_json(facts), created_by=_user(by)
    )
    return purchase


def _spend_at_shipment(purchase: Purchase, facts: Facts, day: dt.date, by) -> None:
    """Points that expired before the order shipped are not used; the card pays the rest (RULES.md §3)."""
    _note, kinds = refused_use(facts, get_catalog())
    usable = ledger.available_points(facts.points_account, day)
    points = min(facts.points_spent, usable)
    if points <= 0:
        return
    movement = ledger.spend(facts.points_account, points, day, by=by, only_kinds=kinds, note=str(purchase))
    revision = purchase.revisions.last()
    Posting.objects.create(purchase=purchase, revision=revision, movement=movement, source="spend")


def _user(by):
    return by if by is not None and by.is_authenticated else None
