"""Balances on any date: available, pending (with the day each becomes available) and expiring soon.

Two queries whatever the length of history: the household's accounts, and the points its live lots
held on the day, summed in the database (`_points_on`). Per account, per member and programme, and for
the whole household, each with its yen value. The dashboard and `manage.py balances` both read this.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, DateField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from households.models import Household
from programs.models import LotKind, Program

from .models import Allocation, LinkedAccount, Lot, Movement

WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Pending:
    points: int
    available_on: dt.date | None  # None: when an event happens (the Amazon order ships)


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_on: dt.date
    kind: str

    @property
    def period_limited(self) -> bool:
        return self.kind == LotKind.PERIOD_LIMITED


@dataclass
class Figures:
    """Points of one programme for an account, a member or the household."""

    program: Program
    day: dt.date
    available: int = 0
    pending: list[Pending] = field(default_factory=list)
    expiring: list[Expiring] = field(default_factory=list)  # within the longest window, soonest first

    @property
    def pending_total(self) -> int:
        return sum(p.points for p in self.pending)

    @property
    def available_yen(self) -> int:
        return self.program.yen_value(self.available)

    @property
    def pending_yen(self) -> int:
        return self.program.yen_value(self.pending_total)

    def expiring_within(self, days: int) -> int:
        last = self.day + dt.timedelta(days=days)
        return sum(e.points for e in self.expiring if e.expires_on <= last)

    @property
    def windows(self) -> list[tuple[int, int, int]]:
        """(days, points, yen) for 30 / 60 / 90 days."""
        return [(d, self.expiring_within(d), self.program.yen_value(self.expiring_within(d))) for d in WINDOWS]

    def _add(self, other: Figures) -> None:
        self.available += other.available
        self.pending = _merge_pending([*self.pending, *other.pending])
        self.expiring = _merge_expiring([*self.expiring, *other.expiring])


@dataclass
class AccountBalance:
    account: LinkedAccount
    figures: Figures


@dataclass
class Balances:
    day: dt.date
    accounts: list[AccountBalance]
    by_member: dict[int, list[Figures]]  # member id → figures per programme
    household: list[Figures]  # per programme, the whole household

    @property
    def members(self):
        seen = {}
        for row in self.accounts:
            seen.setdefault(row.account.member_id, row.account.member)
        return list(seen.values())


def _merge_pending(rows: list[Pending]) -> list[Pending]:
    sums: dict[dt.date | None, int] = defaultdict(int)
    for row in rows:
        sums[row.available_on] += row.points
    return [Pending(points, day) for day, points in sorted(sums.items(), key=lambda kv: (kv[0] is None, kv[0]))]


def _merge_expiring(rows: list[Expiring]) -> list[Expiring]:
    sums: dict[tuple[dt.date, str], int] = defaultdict(int)
    for row in rows:
        sums[(row.expires_on, row.kind)] += row.points
    return [Expiring(points, day, kind) for (day, kind), points in sorted(sums.items())]


def _points_on(household: Household, accounts, day: dt.date, horizon: dt.date):
    """Points held on `day`, summed in the database per account, kind, availability (pending: with the
    day they become available) and expiry day within `horizon` (later: None).

    A lot's points on `day` are what it has left now plus what movements dated after `day` took from
    it, so this reads the live lots (partial index `lot_live`) and the few allocations of movements
    dated after `day` (index on Movement.on) — never the whole history — in one query."""

    def keys(prefix: str = "") -> dict:
        at = lambda name: F(prefix + name)  # noqa: E731
        return {
            "available": Case(
                When(**{prefix + "available_on__lte": day}, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            "pending_on": Case(
                When(**{prefix + "available_on__lte": day}, then=Value(None)),
                default=at("available_on"),
                output_field=DateField(),
            ),
            "expires": Case(
                When(**{prefix + "expires_on__lte": horizon}, then=at("expires_on")),
                default=Value(None),
                output_field=DateField(),
            ),
        }

    live = (
        household.scoped(Lot)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day), earned_on__lte=day, remaining__gt=0)
        .annotate(**keys())
        .values("account_id", "kind", "available", "pending_on", "expires")
        .annotate(points=Sum("remaining"))
        .values_list("account_id", "kind", "available", "pending_on", "expires", "points")
        .order_by()
    )
    # Driven by the accounts' movements after `day` (index movement_account_day); the lot's expiry is
    # compared through an expression, so the planner does not start from every lot that never expires.
    taken_later = (
        Allocation.objects.alias(lot_end=Coalesce("lot__expires_on", Value(dt.date.max)))
        .filter(
            movement__in=Movement.objects.filter(account__in=list(accounts), on__gt=day).values("pk"),
            lot__earned_on__lte=day,
            lot_end__gte=day,
        )
        .annotate(**keys("lot__"))
        .values("lot__account_id", "lot__kind", "available", "pending_on", "expires")
        .annotate(points=Sum("points"))
        .values_list("lot__account_id", "lot__kind", "available", "pending_on", "expires", "points")
        .order_by()
    )
    return live.union(taken_later, all=True).order_by()


def balances_on(household: Household, day: dt.date, horizon_days: int = max(WINDOWS)) -> Balances:
    """Figures on `day`; `expiring` lists what expires within `horizon_days` (the dashboard's timeline
    looks six months ahead)."""
    accounts = list(
        household.scoped(LinkedAccount).select_related("member", "program").order_by("member_id", "program__slug")
    )
    horizon = day + dt.timedelta(days=horizon_days)
    per_account: dict[int, Figures] = {a.pk: Figures(program=a.program, day=day) for a in accounts}
    pending: dict[int, list[Pending]] = defaultdict(list)
    expiring: dict[int, list[Expiring]] = defaultdict(list)
    for account_id, kind, available, pending_on, expires_on, points in _points_on(household, per_account, day, horizon):
        if not points:
            continue
        figures = per_account[account_id]
        if available:
            figures.available += points
        else:
            pending[account_id].append(Pending(points, pending_on))
        if expires_on is not None:
            expiring[account_id].append(Expiring(points, expires_on, kind))
    for account_id, figures in per_account.items():
        figures.pending = _merge_pending(pending[account_id])
        figures.expiring = _merge_expiring(expiring[account_id])

    rows = [AccountBalance(a, per_account[a.pk]) for a in accounts]
    by_member: dict[int, dict[int, Figures]] = defaultdict(dict)
    totals: dict[int, Figures] = {}
    for row in rows:
        program = row.account.program
        member_figures = by_member[row.account.member_id].setdefault(program.pk, Figures(program=program, day=day))
        member_figures._add(row.figures)
        totals.setdefault(program.pk, Figures(program=program, day=day))._add(row.figures)
    return Balances(
        day=day,
        accounts=rows,
        by_member={member: list(figures.values()) for member, figures in by_member.items()},
        household=sorted(totals.values(), key=lambda f: f.program.slug),
    )
