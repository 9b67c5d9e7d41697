"""Balances on any date: available, pending (with the day each becomes available) and expiring soon.

Two queries whatever the length of history: the household's accounts, and its live lots with the
points each held on the day (`Lot.objects.live_on`). Per account, per member and programme, and for
the whole household, each with its yen value. The dashboard and `manage.py balances` both read this.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from households.models import Household
from programs.models import LotKind, Program

from .models import LinkedAccount, Lot

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
    lots = household.scoped(Lot).live_on(day, "account_id", "kind", "available_on", "expires_on", "left")
    for account_id, kind, available_on, expires_on, left in lots:
        figures = per_account[account_id]
        if available_on is not None and available_on <= day:
            figures.available += left
        else:
            pending[account_id].append(Pending(left, available_on))
        if expires_on is not None and expires_on <= horizon:
            expiring[account_id].append(Expiring(left, expires_on, kind))
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
