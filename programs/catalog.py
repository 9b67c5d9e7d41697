"""An in-memory snapshot of the catalog, for the engine.

The catalog is small (a few hundred rows) and read on every keystroke of "which card?", so it is
loaded once into plain frozen dataclasses (a dozen queries) and reused until an admin edit bumps
`CatalogVersion`; checking the version costs one query. The engine never touches the ORM.
"""

from __future__ import annotations

import datetime as dt
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from . import models as m


def normalize(text: str) -> str:
    """How names are compared: NFKC (ﾄｳｷｮｳｶﾞｽ → トウキョウガス, ＡＭＡＺＯＮ → AMAZON), case- and space-blind."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Rate:
    points: int
    per_yen: int
    rounding: str = m.Rounding.PER_UNIT

    def points_for(self, amount: int) -> int:
        if amount <= 0:
            return 0
        if self.rounding == m.Rounding.PER_UNIT:
            return amount // self.per_yen * self.points
        return amount * self.points // self.per_yen

    def halved(self) -> Rate:
        # Amex half rate: the same points for twice the yen (1 per 200; premium hotel cards 3 per 200).
        return Rate(self.points, self.per_yen * 2, self.rounding)

    @property
    def percent(self) -> Decimal:
        return Decimal(self.points * 100) / Decimal(self.per_yen)


@dataclass(frozen=True)
class Dated:
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class ProgramInfo:
    slug: str
    name: str
    name_en: str
    point_value_yen: Decimal
    normal_expiry: str
    normal_expiry_months: int | None
    spending_order: tuple[str, ...]
    where_to_spend: str
    restrictions: str

    def yen_value(self, points: int) -> int:
        return int(points * self.point_value_yen)


@dataclass(frozen=True)
class MethodInfo:
    slug: str
    name: str
    name_en: str
    kind: str
    issuer: str
    issuer_name: str
    program: str
    charged_as: int | None
    addons: frozenset[str]


@dataclass(frozen=True)
class MerchantInfo:
    id: int
    name: str
    name_en: str
    category: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class BaseRateInfo(Dated):
    method: str
    channel: str
    rate: Rate
    available_after_days: int


@dataclass(frozen=True)
class TreatmentInfo(Dated):
    id: int
    merchant_id: int | None
    category: str
    issuer: str
    cards: frozenset[str]
    treatment: str
    rate: Rate | None
    addon: str | None
    list_date: dt.date
    note: str


@dataclass(frozen=True)
class CapInfo(Dated):
    id: int
    name: str
    cards: frozenset[str]
    merchant_id: int | None
    category: str
    period: str
    cap_yen: int


@dataclass(frozen=True)
class TierInfo:
    status: str
    label: str
    rate: Rate


@dataclass(frozen=True)
class RuleInfo(Dated):
    slug: str
    name: str
    kind: str
    program: str
    merchant_ids: frozenset[int]
    methods: frozenset[str]
    allowed_funding: frozenset[str]
    channel: str
    requires_linked_account: bool
    requires_entry: bool
    rate_source: str
    rate: Rate | None
    rounding: str
    amount_basis: str
    excluded_item_flags: frozenset[str]
    min_amount_yen: int
    cap_points_per_payment: int | None
    cap_points_per_period: int | None
    cycle_start_day: int | None
    cap_yen_per_cycle: int | None
    grant_timing: str
    grant_day: int | None
    available_after_days: int
    payout_date: dt.date | None
    lot_kind: str
    valid_days: int | None
    note: str
    tiers: tuple[TierInfo, ...] = ()


@dataclass
class Catalog:
    version: str
    programs: dict[str, ProgramInfo]
    methods: dict[str, MethodInfo]
    merchants: dict[int, MerchantInfo]
    base_rates: dict[str, list[BaseRateInfo]]
    treatments: dict[str, list[TreatmentInfo]]
    caps: list[CapInfo]
    rules: list[RuleInfo]
    _by_name: dict[str, MerchantInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for merchant in self.merchants.values():
            for name in (merchant.name, merchant.name_en, *merchant.aliases):
                if name:
                    self._by_name.setdefault(normalize(name), merchant)

    def merchant_named(self, text: str) -> MerchantInfo | None:
        """The merchant whose name, English name or alias is `text` (statement text matches too)."""
        return self._by_name.get(normalize(text))

    def search_merchants(self, text: str, limit: int = 10) -> list[MerchantInfo]:
        """Live search: names and aliases that start with, then contain, what was typed."""
        needle = normalize(text)
        if not needle:
            return []
        starts, contains, seen = [], [], set()
        for key, merchant in self._by_name.items():
            if merchant.id in seen:
                continue
            if key.startswith(needle):
                starts.append(merchant)
                seen.add(merchant.id)
            elif needle in key:
                contains.append(merchant)
                seen.add(merchant.id)
        return (
            sorted(starts, key=lambda x: x.name)[:limit] + sorted(contains, key=lambda x: x.name)[: limit - len(starts)]
        )


def _rate(points: int | None, per_yen: int | None, rounding: str) -> Rate | None:
    if points is None or not per_yen:
        return None
    return Rate(points, per_yen, rounding)


def load_catalog(version: str = "") -> Catalog:
    """Read the whole catalog (every date) into a snapshot."""
    programs = {
        p.slug: ProgramInfo(
            p.slug,
            p.name,
            p.name_en,
            p.point_value_yen,
            p.normal_expiry,
            p.normal_expiry_months,
            tuple(k.strip() for k in p.spending_order.split(",") if k.strip()),
            p.where_to_spend,
            p.restrictions,
        )
        for p in m.Program.objects.all()
    }
    addons_by_card: dict[str, set[str]] = defaultdict(set)
    for addon in m.Addon.objects.prefetch_related("eligible_cards"):
        for card in addon.eligible_cards.all():
            addons_by_card[card.slug].add(addon.slug)
    methods = {
        pm.slug: MethodInfo(
            pm.slug,
            pm.name,
            pm.name_en,
            pm.kind,
            pm.issuer.slug,
            pm.issuer.name,
            pm.program.slug,
            pm.charged_as_id,
            frozenset(addons_by_card[pm.slug]),
        )
        for pm in m.PaymentMethod.objects.select_related("issuer", "program")
    }
    aliases: dict[int, list[str]] = defaultdict(list)
    for merchant_id, alias in m.MerchantAlias.objects.values_list("merchant_id", "alias"):
        aliases[merchant_id].append(alias)
    merchants = {
        mc.id: MerchantInfo(mc.id, mc.name, mc.name_en, mc.category, tuple(aliases[mc.id]))
        for mc in m.Merchant.objects.all()
    }
    base_rates: dict[str, list[BaseRateInfo]] = defaultdict(list)
    for br in m.BaseRate.objects.select_related("method"):
        base_rates[br.method.slug].append(
            BaseRateInfo(
                br.valid_from,
                br.valid_to,
                br.method.slug,
                br.channel,
                Rate(br.points, br.per_yen, br.rounding),
                br.available_after_days,
            )
        )
    treatments: dict[str, list[TreatmentInfo]] = defaultdict(list)
    for t in m.MerchantTreatment.objects.select_related("issuer", "requires_addon").prefetch_related("cards"):
        treatments[t.issuer.slug].append(
            TreatmentInfo(
                t.valid_from,
                t.valid_to,
                t.id,
                t.merchant_id,
                t.category,
                t.issuer.slug,
                frozenset(c.slug for c in t.cards.all()),
                t.treatment,
                _rate(t.points, t.per_yen, t.rounding),
                t.requires_addon.slug if t.requires_addon else None,
                t.list_date,
                t.note,
            )
        )
    caps = [
        CapInfo(
            c.valid_from,
            c.valid_to,
            c.id,
            c.name,
            frozenset(card.slug for card in c.cards.all()),
            c.merchant_id,
            c.category,
            c.period,
            c.cap_yen,
        )
        for c in m.SpendCap.objects.prefetch_related("cards")
    ]
    rules = [
        RuleInfo(
            r.valid_from,
            r.valid_to,
            r.slug,
            r.name,
            r.kind,
            r.program.slug,
            frozenset(mc.id for mc in r.merchants.all()),
            frozenset(pm.slug for pm in r.methods.all()),
            frozenset(r.allowed_funding or ()),
            r.channel,
            r.requires_linked_account,
            r.requires_entry,
            r.rate_source,
            _rate(r.points, r.per_yen, r.rounding),
            r.rounding,
            r.amount_basis,
            frozenset(r.excluded_item_flags or ()),
            r.min_amount_yen,
            r.cap_points_per_payment,
            r.cap_points_per_period,
            r.cycle_start_day,
            r.cap_yen_per_cycle,
            r.grant_timing,
            r.grant_day,
            r.available_after_days,
            r.payout_date,
            r.lot_kind,
            r.valid_days,
            r.note,
            tuple(TierInfo(t.status, t.label, Rate(t.points, t.per_yen, r.rounding)) for t in r.tiers.all()),
        )
        for r in m.EarningRule.objects.select_related("program").prefetch_related("merchants", "methods", "tiers")
    ]
    return Catalog(version, programs, methods, merchants, dict(base_rates), dict(treatments), caps, rules)


_lock = threading.Lock()
_cached: Catalog | None = None


def get_catalog() -> Catalog:
    """The current snapshot: reloaded only when the catalog changed since it was read (one query)."""
    global _cached
    version = m.CatalogVersion.current()
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = load_catalog(version)
        return _cached


def forget_catalog() -> None:
    global _cached
    with _lock:
        _cached = None
