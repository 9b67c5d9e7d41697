"""The earning engine: what one payment earns, by the catalog rules valid on its date.

Plain Python over a catalog snapshot (programs/catalog.py): no HTTP, no ORM. Every figure comes
from catalog rows; this module only knows how rules combine (RULES.md):

- the card's own earning: its base rate, changed by the issuer's treatment of the merchant (full,
  half, excluded, bonus — card-specific rows beat issuer-wide ones, merchant rows beat category
  rows, add-on bonuses need the add-on) and limited by annual spending caps (国税);
- a payment service funded by a card (d払い, Amazon Pay, 楽天ペイ): the card is charged by the service,
  so it earns what the issuer gives at that service (usually half);
- earning rules on top: merchant programmes (Amazon → dポイント, 楽天市場), payment programmes
  (スーパー還元) and campaigns (au PAY × Amazon), with their thresholds, tiers, caps and grant dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from .catalog import CapInfo, Catalog, MerchantInfo, MethodInfo, Rate, RuleInfo, TreatmentInfo
from .models import AmountBasis, Channel, GrantTiming, LotKind, PaymentMethod, Rounding

DATE = "%Y-%m-%d"


@dataclass(frozen=True)
class Item:
    """One line of an order (Amazon): its price incl. tax and flags such as kindle, gift_card,
    prime_fee, voucher, pre_order, subscribe_save."""

    price: int
    flags: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Coupon:
    kind: str  # "percent" or "yen"
    value: int
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class Payment:
    """The facts of one payment, as the family enters them."""

    date: dt.date
    merchant: str
    amount: int  # charged incl. tax, before points were used
    method: str  # payment method slug
    channel: str = Channel.STORE
    amount_excl_tax: int | None = None
    tax_rate_percent: int = 10
    coupons: tuple[Coupon, ...] = ()
    points_spent: int = 0
    funding: str | None = None  # what funds a code payment: a card slug, docomo-bill, d-barai-balance
    items: tuple[Item, ...] = ()
    shipped_on: dt.date | None = None  # when the last item of the order shipped


@dataclass
class Context:
    """What the household brings to a payment: cards' add-ons, links, entries and what is already used."""

    addons: dict[str, set[str]] = field(default_factory=dict)  # card slug → enrolled add-on slugs
    linked_programs: set[str] = field(default_factory=set)  # programmes linked where a rule needs a link
    entries: dict[str, str] = field(default_factory=dict)  # earning rule slug → tier status ("" if none)
    bonus_percent: Decimal | None = None  # スーパー還元 bonus % the member entered for the cycle
    cap_spent_yen: dict[int, int] = field(default_factory=dict)  # spend cap id → yen already spent this period
    cycle_spent_yen: dict[str, int] = field(default_factory=dict)  # rule slug → eligible yen already this cycle
    period_points: dict[str, int] = field(default_factory=dict)  # rule slug → points already earned in the period


@dataclass(frozen=True)
class Earning:
    program: str
    points: int
    kind: str
    source: str  # "card:<slug>" or "rule:<slug>"
    treatment: str | None  # full / half / excluded / bonus for card earnings
    pending_from: dt.date | None
    available_on: dt.date | None  # None while the date is not known yet (not shipped)
    expires_on: dt.date | None  # None: by the programme's own expiry (e.g. 楽天 rolling)
    reasons: tuple[str, ...]
    list_date: dt.date | None = None
    cap_left_yen: int | None = None  # what is left of an annual cap after this payment
    # What this payment uses of limits that span payments, for the next payment's Context:
    # ("cap", spend cap id, yen), ("cycle", rule slug, yen), ("period", rule slug, points).
    uses: tuple[tuple[str, int | str, int], ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A rule that did not pay, and why (shown so the family sees what was considered)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Result:
    payment: Payment
    merchant: MerchantInfo | None
    earnings: tuple[Earning, ...]
    not_earned: tuple[Refusal, ...]

    def points(self, program: str | None = None) -> int:
        return sum(e.points for e in self.earnings if program is None or e.program == program)


class UnknownMethod(ValueError):
    pass


def earn(payment: Payment, catalog: Catalog, context: Context | None = None) -> Result:
    """Everything `payment` earns, per programme, with the rules that decided it."""
    context = context or Context()
    method = catalog.methods.get(payment.method)
    if method is None:
        raise UnknownMethod(payment.method)
    merchant = catalog.merchant_named(payment.merchant)
    earnings: list[Earning] = []
    refusals: list[Refusal] = []

    earnings.append(card_earning(method, merchant, payment, catalog, context))
    if payment.funding and method.charged_as is not None and payment.funding in catalog.methods:
        # The funding card is charged by the payment service, not by the shop (RULES.md §1, §4).
        service = catalog.merchants[method.charged_as]
        funding = catalog.methods[payment.funding]
        earnings.append(card_earning(funding, service, payment, catalog, context, via=method))

    for rule in catalog.rules:
        if not rule.valid_on(payment.date) or not _rule_applies(rule, method, merchant, payment):
            continue
        outcome = rule_earning(rule, payment, catalog, context)
        if isinstance(outcome, Earning):
            earnings.append(outcome)
        else:
            refusals.append(outcome)
    return Result(payment, merchant, tuple(earnings), tuple(refusals))


# The card's own earning ---------------------------------------------------------------------------


def _merchant_label(merchant: MerchantInfo | None, payment: Payment) -> str:
    return merchant.name if merchant else payment.merchant


def pick_treatment(
    method: MethodInfo, merchant: MerchantInfo | None, day: dt.date, catalog: Catalog, context: Context
) -> TreatmentInfo | None:
    """The issuer's treatment of this merchant for this card on `day`: the most specific row wins."""
    if merchant is None:
        return None
    enrolled = context.addons.get(method.slug, set())
    best, best_rank = None, (-1, -1)
    for t in catalog.treatments.get(method.issuer, ()):
        if not t.valid_on(day):
            continue
        if t.merchant_id is not None:
            if t.merchant_id != merchant.id:
                continue
            target = 1
        elif t.category == merchant.category:
            target = 0
        else:
            continue
        if t.cards and method.slug not in t.cards:
            continue
        if t.addon and t.addon not in enrolled:
            continue
        rank = (target, 1 if t.cards else 0)
        if rank > best_rank:
            best, best_rank = t, rank
    return best


def _base_rate(method: MethodInfo, payment: Payment, catalog: Catalog):
    candidates = [
        br
        for br in catalog.base_rates.get(method.slug, ())
        if br.valid_on(payment.date) and br.channel in (Channel.ANY, payment.channel)
    ]
    # A rate for this very channel (d払い in store 1/200, online 1/100) beats one for any channel.
    candidates.sort(key=lambda br: br.channel != payment.channel)
    return candidates[0] if candidates else None


def _caps_for(method: MethodInfo, merchant: MerchantInfo | None, day: dt.date, catalog: Catalog) -> list[CapInfo]:
    if merchant is None:
        return []
    return [
        c
        for c in catalog.caps
        if c.valid_on(day)
        and method.slug in c.cards
        and (c.merchant_id == merchant.id or (c.merchant_id is None and c.category == merchant.category))
    ]


def card_earning(
    method: MethodInfo,
    merchant: MerchantInfo | None,
    payment: Payment,
    catalog: Catalog,
    context: Context,
    via: MethodInfo | None = None,
) -> Earning:
    name = _merchant_label(merchant, payment)
    base = _base_rate(method, payment, catalog)
    reasons: list[str] = []
    if via is not None:
        reasons.append(
            _("%(card)s funds %(service)s, so the card is charged by %(service)s.")
            % {"card": method.name, "service": name}
        )
    if merchant is None:
        reasons.append(_("%(merchant)s is not in the catalog: ordinary rates apply.") % {"merchant": name})
    if base is None:
        reasons.append(_("The catalog has no base rate for %(card)s on this date.") % {"card": method.name})
        return _card_result(method, 0, None, reasons, payment)

    treatment = pick_treatment(method, merchant, payment.date, catalog, context)
    rate: Rate = base.rate
    kind = treatment.treatment if treatment else "full"
    label = {
        "issuer": method.issuer_name,
        "merchant": name,
        "date": treatment.list_date.strftime(DATE) if treatment else "",
    }
    if treatment is None:
        reasons.append(
            _("Base rate: %(points)s points per %(per)s yen.") % {"points": rate.points, "per": rate.per_yen}
        )
    elif kind == "excluded":
        reasons.append(_("%(merchant)s earns no %(issuer)s points (as of %(date)s).") % label)
        return _card_result(method, 0, treatment, reasons, payment)
    elif kind == "half":
        rate = rate.halved()
        reasons.append(_("%(merchant)s is on %(issuer)s's half-rate list (as of %(date)s).") % label)
        reasons.append(
            _("Half rate: %(points)s points per %(per)s yen.") % {"points": rate.points, "per": rate.per_yen}
        )
    elif kind == "bonus" and treatment.rate is not None:
        rate = treatment.rate
        reasons.append(_("%(merchant)s earns %(issuer)s's bonus rate (as of %(date)s).") % label)
        if treatment.addon:
            reasons.append(_("Needs the add-on %(addon)s, which this card has.") % {"addon": treatment.addon})
        reasons.append(
            _("Bonus rate: %(points)s points per %(per)s yen.") % {"points": rate.points, "per": rate.per_yen}
        )
    else:
        reasons.append(_("%(merchant)s earns %(issuer)s's full rate (as of %(date)s).") % label)

    amount = payment.amount
    cap_left = None
    uses = []
    for cap in _caps_for(method, merchant, payment.date, catalog):
        spent = context.cap_spent_yen.get(cap.id, 0)
        room = max(cap.cap_yen - spent, 0)
        if amount > room:
            reasons.append(
                _("%(cap)s: only %(room)s yen of this payment is below the annual cap of %(cap_yen)s yen.")
                % {"cap": cap.name, "room": f"{room:,}", "cap_yen": f"{cap.cap_yen:,}"}
            )
        amount = min(amount, room)
        uses.append(("cap", cap.id, amount))
        cap_left = room - amount if cap_left is None else min(cap_left, room - amount)
        reasons.append(_("%(left)s yen of the annual cap is left after this payment.") % {"left": f"{cap_left:,}"})
    points = rate.points_for(amount)
    return _card_result(
        method, points, treatment, reasons, payment, kind=kind, base=base, cap_left=cap_left, uses=tuple(uses)
    )


def _card_result(method, points, treatment, reasons, payment, kind=None, base=None, cap_left=None, uses=()) -> Earning:
    available = payment.date + dt.timedelta(days=base.available_after_days) if base else payment.date
    return Earning(
        program=method.program,
        points=points,
        kind=LotKind.NORMAL,
        source=f"card:{method.slug}",
        treatment=kind if kind else (treatment.treatment if treatment else None),
        pending_from=payment.date,
        available_on=available,
        expires_on=None,
        reasons=tuple(reasons),
        list_date=treatment.list_date if treatment else None,
        cap_left_yen=cap_left,
        uses=uses,
    )


# Earning rules on top -----------------------------------------------------------------------------


def _rule_applies(rule: RuleInfo, method: MethodInfo, merchant: MerchantInfo | None, payment: Payment) -> bool:
    if rule.merchant_ids and (merchant is None or merchant.id not in rule.merchant_ids):
        return False
    if rule.methods and method.slug not in rule.methods:
        return False
    return True


def apply_coupons(amount: int, coupons: Iterable[Coupon]) -> int:
    """Yen taken off by coupons: % coupons before yen coupons, yen coupons soonest-expiring first
    (RULES.md §2); a discount never exceeds what is left to pay."""
    left = amount
    for c in sorted(coupons, key=lambda c: (c.kind != "percent", c.expires_on or dt.date.max)):
        off = left * c.value // 100 if c.kind == "percent" else c.value
        left -= min(off, left)
    return amount - left


def amount_excl_tax(payment: Payment) -> int:
    if payment.amount_excl_tax is not None:
        return payment.amount_excl_tax
    return payment.amount * 100 // (100 + payment.tax_rate_percent)


def basis_amount(rule: RuleInfo, payment: Payment) -> tuple[int, str]:
    basis = rule.amount_basis
    if basis == AmountBasis.EXCL_TAX_AFTER_COUPONS:
        excl = amount_excl_tax(payment)
        amount = excl - apply_coupons(excl, payment.coupons)
        return amount, _("%(amount)s yen excl. tax after coupons (points spent do not reduce it)") % {
            "amount": f"{amount:,}"
        }
    if basis == AmountBasis.INCL_TAX_MINUS_POINTS:
        amount = max(payment.amount - payment.points_spent, 0)
        return amount, _("%(amount)s yen after %(points)s points spent") % {
            "amount": f"{amount:,}",
            "points": f"{payment.points_spent:,}",
        }
    if basis == AmountBasis.ELIGIBLE_ITEMS and payment.items:
        amount = sum(i.price for i in payment.items if not (i.flags & rule.excluded_item_flags))
        return amount, _("%(amount)s yen of eligible items") % {"amount": f"{amount:,}"}
    return payment.amount, _("%(amount)s yen") % {"amount": f"{payment.amount:,}"}


def cycle_start(day: dt.date, start_day: int) -> dt.date:
    """The start of the monthly cycle holding `day` (10 → the 10th to the 9th of the next month)."""
    if day.day >= start_day:
        return day.replace(day=start_day)
    prev = day.replace(day=1) - dt.timedelta(days=1)
    return prev.replace(day=start_day)


def _end_of_month(year: int, month: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def grant_date(rule: RuleInfo, payment: Payment) -> dt.date | None:
    timing = rule.grant_timing
    if timing == GrantTiming.AT_SHIPMENT:
        return payment.shipped_on
    if timing == GrantTiming.DAY_OF_NEXT_MONTH:
        first_next = _end_of_month(payment.date.year, payment.date.month) + dt.timedelta(days=1)
        return first_next.replace(day=rule.grant_day or 1)
    if timing == GrantTiming.END_OF_MONTH_AFTER_NEXT_OF_CYCLE:
        start = cycle_start(payment.date, rule.cycle_start_day or 1)
        return _end_of_month(start.year, start.month + 2)
    if timing == GrantTiming.BY_PAYOUT_DATE:
        return rule.payout_date
    return payment.date + dt.timedelta(days=rule.available_after_days)


def _rate_for(rule: RuleInfo, context: Context) -> tuple[Rate | None, str]:
    if rule.rate_source == "tiers":
        status = context.entries.get(rule.slug, "")
        for tier in rule.tiers:
            if tier.status == status:
                return tier.rate, tier.label
        return None, _("no tier matches the member's status")
    if rule.rate_source == "member_percent":
        if context.bonus_percent is None:
            return None, _("enter the member's bonus rate for this cycle")
        tenths = int((context.bonus_percent * 10).to_integral_value(ROUND_DOWN))
        return Rate(tenths, 1000, Rounding.PROPORTIONAL), f"+{context.bonus_percent}%"
    return rule.rate, ""


def rule_earning(rule: RuleInfo, payment: Payment, catalog: Catalog, context: Context) -> Earning | Refusal:
    source = f"rule:{rule.slug}"
    if rule.channel != Channel.ANY and rule.channel != payment.channel:
        return Refusal(
            source,
            _("%(rule)s: only for payments %(channel)s.") % {"rule": rule.name, "channel": Channel(rule.channel).label},
        )
    method = catalog.methods[payment.method]
    if (
        rule.allowed_funding
        and method.kind == PaymentMethod.Kind.CODE_PAYMENT
        and payment.funding not in rule.allowed_funding
    ):
        return Refusal(
            source,
            _("%(rule)s: counts only when %(method)s is funded by %(allowed)s.")
            % {"rule": rule.name, "method": method.name, "allowed": ", ".join(sorted(rule.allowed_funding))},
        )
    if rule.requires_linked_account and rule.program not in context.linked_programs:
        return Refusal(
            source,
            _("%(rule)s: needs a linked %(program)s account.")
            % {"rule": rule.name, "program": catalog.programs[rule.program].name},
        )
    if rule.requires_entry and rule.slug not in context.entries:
        return Refusal(source, _("%(rule)s: needs an entry (エントリー).") % {"rule": rule.name})
    rate, rate_note = _rate_for(rule, context)
    if rate is None:
        return Refusal(source, f"{rule.name}: {rate_note}")

    amount, basis_text = basis_amount(rule, payment)
    reasons = [_("%(rule)s on %(basis)s.") % {"rule": rule.name, "basis": basis_text}]
    if amount < rule.min_amount_yen or amount <= 0:
        return Refusal(
            source,
            _("%(rule)s: %(basis)s is below the minimum of %(min)s yen.")
            % {"rule": rule.name, "basis": basis_text, "min": f"{rule.min_amount_yen:,}"},
        )
    uses = []
    if rule.cap_yen_per_cycle is not None:
        room = max(rule.cap_yen_per_cycle - context.cycle_spent_yen.get(rule.slug, 0), 0)
        if amount > room:
            reasons.append(
                _("Only %(room)s yen is left of the %(cap)s yen cap this cycle.")
                % {"room": f"{room:,}", "cap": f"{rule.cap_yen_per_cycle:,}"}
            )
        amount = min(amount, room)
        uses.append(("cycle", rule.slug, amount))
    points = rate.points_for(amount)
    reasons.append(
        (_("Rate %(rate)s%% (%(note)s).") if rate_note else _("Rate %(rate)s%%."))
        % {"rate": _fmt_pct(rate.percent), "note": rate_note}
    )
    if rule.cap_points_per_payment is not None and points > rule.cap_points_per_payment:
        points = rule.cap_points_per_payment
        reasons.append(_("Capped at %(cap)s points per order.") % {"cap": rule.cap_points_per_payment})
    if rule.cap_points_per_period is not None:
        room = max(rule.cap_points_per_period - context.period_points.get(rule.slug, 0), 0)
        if points > room:
            reasons.append(
                _("Capped: %(room)s of the %(cap)s points for the whole period were left.")
                % {"room": room, "cap": rule.cap_points_per_period}
            )
        points = min(points, room)
        uses.append(("period", rule.slug, points))

    granted = grant_date(rule, payment)
    if rule.grant_timing == GrantTiming.AT_SHIPMENT:
        reasons.append(
            _("Granted when every item has shipped (%(date)s).") % {"date": granted.strftime(DATE)}
            if granted
            else _("Granted when every item has shipped (not yet).")
        )
    elif granted is not None:
        reasons.append(_("Granted on %(date)s.") % {"date": granted.strftime(DATE)})
    expires = granted + dt.timedelta(days=rule.valid_days - 1) if granted and rule.valid_days else None
    if expires:
        reasons.append(
            _("Valid %(days)s days counting the grant day: until %(date)s.")
            % {"days": rule.valid_days, "date": expires.strftime(DATE)}
        )
    pending_from = (
        payment.date + dt.timedelta(days=1)
        if rule.grant_timing == GrantTiming.AT_PAYMENT and rule.available_after_days
        else payment.date
    )
    return Earning(
        program=rule.program,
        points=points,
        kind=rule.lot_kind,
        source=source,
        treatment=None,
        pending_from=pending_from,
        available_on=granted,
        expires_on=expires,
        reasons=tuple(reasons),
        uses=tuple(uses),
    )


def _fmt_pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


# Ranking cards ("which card?" and `quote`) ------------------------------------------------------


@dataclass(frozen=True)
class CardQuote:
    card: str
    card_name: str
    program: str
    points: int
    value_yen: int
    rate: Decimal  # effective % of the amount, in yen value
    treatment: str | None
    reasons: tuple[str, ...]
    list_date: dt.date | None
    cap_left_yen: int | None
    earnings: tuple[Earning, ...]


def quote_cards(
    merchant: str,
    amount: int,
    day: dt.date,
    catalog: Catalog,
    cards: Iterable[str] | None = None,
    context: Context | None = None,
    channel: str = Channel.STORE,
) -> list[CardQuote]:
    """Every card (or the given ones) ranked by the yen value one payment earns, best first."""
    context = context or Context()
    slugs = list(cards) if cards is not None else sorted(catalog.methods)
    quotes = []
    for slug in slugs:
        result = earn(
            Payment(date=day, merchant=merchant, amount=amount, method=slug, channel=channel), catalog, context
        )
        card = result.earnings[0]
        value = sum(catalog.programs[e.program].yen_value(e.points) for e in result.earnings)
        method = catalog.methods[slug]
        quotes.append(
            CardQuote(
                card=slug,
                card_name=method.name,
                program=method.program,
                points=sum(e.points for e in result.earnings),
                value_yen=value,
                rate=(Decimal(value * 100) / Decimal(amount)).quantize(Decimal("0.01")) if amount > 0 else Decimal(0),
                treatment=card.treatment,
                reasons=tuple(r for e in result.earnings for r in e.reasons),
                list_date=card.list_date,
                cap_left_yen=card.cap_left_yen,
                earnings=result.earnings,
            )
        )
    quotes.sort(key=lambda q: (-q.value_yen, q.card))
    return quotes
