"""Balances on any date: available, pending (with the day each becomes available) and expiring soon.

Two queries whatever the length of history: the household's accounts, and their `Holding` snapshots
(points left summed per kind and dates, a few hundred rows where the live lots are thousands). An
account written since its snapshot was made is rebuilt from its lots first (`refresh_holdings`, a
fixed number of queries); a day before the snapshot's last movement that took points is answered
from the lots themselves (`_points_on`). Per account, per member and programme, and for the whole
household, each with its yen value. The dashboard and `manage.py balances` both read this.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Case, DateField, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from households import versioning
from households.models import Household
from pointbook.summaries import differences
from programs.models import LotKind, Program

from .models import Allocation, Holding, LinkedAccount, Lot, Movement, OpenPromise

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


def _keys(day: dt.date, horizon: dt.date, prefix: str = "") -> dict:
    """Availability on `day` (pending: with the day it comes), and the expiry day if within `horizon`."""
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


def _points_on(household: Household, accounts, day: dt.date, horizon: dt.date):
    """Points held on `day`, summed in the database per account, kind, availability (pending: with the
    day they become available) and expiry day within `horizon` (later: None).

    A lot's points on `day` are what it has left now plus what movements dated after `day` took from
    it, so this reads the live lots (partial index `lot_live`) and the few allocations of movements
    dated after `day` (index on Movement.on) — never the whole history — in one query."""

    live = (
        household.scoped(Lot)
        .filter(account__in=list(accounts))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day), earned_on__lte=day, remaining__gt=0)
        .annotate(**_keys(day, horizon))
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
        .annotate(**_keys(day, horizon, "lot__"))
        .values("lot__account_id", "lot__kind", "available", "pending_on", "expires")
        .annotate(points=Sum("points"))
        .values_list("lot__account_id", "lot__kind", "available", "pending_on", "expires", "points")
        .order_by()
    )
    return live.union(taken_later, all=True).order_by()


def snapshot_rows(accounts) -> list[tuple[int, str, dt.date, dt.date | None, dt.date | None, int]]:
    """What the accounts' snapshots hold, rebuilt from their lots: (account, kind, earned on, available
    on, expires on, points left), for every lot with points left."""
    return list(
        Lot.objects.filter(account__in=list(accounts), remaining__gt=0)
        .values_list("account_id", "kind", "earned_on", "available_on", "expires_on")
        .annotate(points=Sum("remaining"))
        .order_by()
    )


def open_promise_rows(accounts) -> list[tuple[int, str, dt.date | None, int]]:
    """Promised points not yet received, from the lots: (account, rule source, due day, points)."""
    return list(
        Lot.objects.filter(
            account__in=list(accounts),
            promised=True,
            received_on__isnull=True,
            void=False,
            earned_by__posting__reversed=False,
        )
        .values_list("account_id", "earned_by__posting__source", "available_on")
        .annotate(points=Sum("points"))
        .order_by()
    )


def open_promises(household: Household, accounts: list[LinkedAccount]) -> list[tuple[int, str, dt.date | None, int]]:
    """`open_promise_rows` of the accounts, from the snapshots where they are current (read the accounts
    through `balances_on` first: it rebuilds the out-of-date ones)."""
    current = [a for a in accounts if a.holdings_current]
    rest = [a for a in accounts if not a.holdings_current]
    rows = []
    if current:
        rows += (
            household.scoped(OpenPromise)
            .filter(account__in=current)
            .values_list("account_id", "source", "due", "points")
        )
    if rest:
        rows += open_promise_rows(rest)
    return rows


@contextmanager
def _no_waiting_for_writers():
    """SQLite has one writer at a time, and an import holds it for the whole file: a page that would
    rebuild a snapshot then reads the lots instead of waiting (`OperationalError`, caught by the caller).
    PostgreSQL skips the locked accounts instead. Inside an outer transaction the lock is already ours."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    (waited,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(waited)}")


def refresh_holdings(accounts: list[LinkedAccount]) -> list[LinkedAccount]:
    """Rebuild the accounts' snapshots from their lots, under the accounts' locks; returns the accounts
    now current (those a writer holds are skipped, and read from their lots this time)."""
    try:
        with _no_waiting_for_writers(), versioning.derived():  # a function of the ledger, which is watched
            return _rebuild(accounts)
    except OperationalError:  # SQLite: another writer holds the database
        return []


def _rebuild(accounts: list[LinkedAccount]) -> list[LinkedAccount]:
    with transaction.atomic():
        versions = dict(
            LinkedAccount.objects.select_for_update(skip_locked=True)
            .filter(pk__in=[a.pk for a in accounts])
            .values_list("pk", "ledger_version")
        )
        if not versions:
            return []
        rows = snapshot_rows(versions)
        # Movements that took points (every kind but an earning): a day before the last of them must
        # add back what they took, which only the lots know.
        took = dict(
            Movement.objects.filter(account__in=list(versions))
            .exclude(kind=Movement.Kind.EARN)
            .values_list("account_id")
            .annotate(last=Max("on"))
            .order_by()
        )
        promised = open_promise_rows(versions)
        OpenPromise.objects.filter(account__in=list(versions)).delete()
        OpenPromise.objects.bulk_create(
            (OpenPromise(account_id=a, source=source, due=due, points=p) for a, source, due, p in promised),
            batch_size=2000,
        )
        Holding.objects.filter(account__in=list(versions)).delete()
        Holding.objects.bulk_create(
            (
                Holding(account_id=a, kind=k, earned_on=e, available_on=av, expires_on=ex, points=p)
                for a, k, e, av, ex, p in rows
            ),
            batch_size=2000,
        )
        last = Case(*(When(pk=a, then=Value(day)) for a, day in took.items()), default=None, output_field=DateField())
        LinkedAccount.objects.filter(pk__in=list(versions)).update(
            holdings_version=F("ledger_version"), holdings_from=last if took else None
        )
    for account in accounts:
        if account.pk in versions:
            account.holdings_version, account.holdings_from = versions[account.pk], took.get(account.pk)
    return [a for a in accounts if a.pk in versions]


def _current(account: LinkedAccount, day: dt.date) -> bool:
    return account.holdings_current and (account.holdings_from is None or account.holdings_from <= day)


def _held_on(household: Household, accounts: list[LinkedAccount], day: dt.date, horizon: dt.date):
    """`_points_on` for accounts whose snapshot is current for `day`, summed from the snapshot."""
    return (
        household.scoped(Holding)
        .filter(account__in=accounts, earned_on__lte=day)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .annotate(**_keys(day, horizon))
        .values("account_id", "kind", "available", "pending_on", "expires")
        .annotate(total=Sum("points"))
        .values_list("account_id", "kind", "available", "pending_on", "expires", "total")
        .order_by()
    )


def points_held(household: Household, accounts: list[LinkedAccount], day: dt.date, horizon: dt.date):
    """Rows of (account, kind, available, pending on, expires within horizon, points) on `day`."""
    stale = [a for a in accounts if not a.holdings_current]
    if stale:
        refresh_holdings(stale)
    current = [a for a in accounts if _current(a, day)]
    rest = [a for a in accounts if not _current(a, day)]
    if current:
        yield from _held_on(household, current, day, horizon)
    if rest:
        yield from _points_on(household, rest, day, horizon)


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
    for account_id, kind, available, pending_on, expires_on, points in points_held(household, accounts, day, horizon):
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


def holdings_differences() -> list[tuple[int, tuple, int, int]]:
    """Rows of current snapshots (balances and open promises) that differ from a rebuild from the lots:
    (account, key, kept, rebuilt). A snapshot marked out of date is not compared: the next read
    rebuilds it."""
    current = list(LinkedAccount.objects.filter(holdings_version=F("ledger_version")).values_list("pk", flat=True))
    kept = {
        (a, (k, e, av, ex)): p
        for a, k, e, av, ex, p in Holding.objects.filter(account__in=current).values_list(
            "account_id", "kind", "earned_on", "available_on", "expires_on", "points"
        )
    }
    kept |= {
        (a, ("promise", source, due)): p
        for a, source, due, p in OpenPromise.objects.filter(account__in=current).values_list(
            "account_id", "source", "due", "points"
        )
    }
    rebuilt = {(a, (k, e, av, ex)): p for a, k, e, av, ex, p in snapshot_rows(current)}
    rebuilt |= {(a, ("promise", source, due)): p for a, source, due, p in open_promise_rows(current)}
    return sorted(
        ((a, key, k, r) for (a, key), k, r in differences(kept, rebuilt)), key=lambda row: (row[0], str(row[1]))
    )
