"""Everything the household dashboard shows, computed here and handed to the template as plain data.

A fixed number of queries whatever the length of history (asserted in tests/test_dashboard.py):
balances read the accounts' snapshots; "lost last month" reads one bounded window of lots; the
12-month chart and this month's figures read the monthly summaries (`MonthlyEarning`,
`MonthlySpend`); the risks read the few open orders and the household's entries.

`BOARDS` keeps what `build` made, per household, in each worker, until any write is committed
(`households.versioning` renews a token then), the day or the language changes, or
`DASHBOARD_CACHE_SECONDS` pass: a family that looks at its dashboard again, or several members at
once, costs one query instead of the build.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from households.models import DataVersion, Household
from programs.catalog import Catalog, get_catalog
from programs.engine import cycle_start, grant_date
from programs.models import GrantTiming, LotKind
from transactions.insights import PromiseTotal, promise_totals
from transactions.models import MonthlySpend, Use
from transactions.risks import orders_at_risk
from wallets.balances import Balances, balances_on
from wallets.models import CampaignEntry, HeldCard, LinkedAccount, Lot, MonthlyEarning

TIMELINE_DAYS = 183


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Warning:
    member: str
    program: str
    program_name: str
    points: int
    yen: int
    expires_on: dt.date
    kind: str
    where_to_spend: str

    @property
    def period_limited(self) -> bool:
        return self.kind == LotKind.PERIOD_LIMITED


@dataclass(frozen=True)
class Lost:
    member: str
    program_name: str
    points: int
    yen: int
    expired_on: dt.date


@dataclass(frozen=True)
class Payout:
    rule: str
    program_name: str
    points: int
    due: dt.date


@dataclass(frozen=True)
class CycleFigures:
    rule: str
    start: dt.date
    end: dt.date
    cap_yen: int
    spent_yen: int
    points_to_come: int
    grant_on: dt.date | None

    @property
    def percent_of_cap(self) -> int:
        return min(100, self.spent_yen * 100 // self.cap_yen) if self.cap_yen else 0


@dataclass
class Chart:
    months: list[dt.date]
    series: dict[str, list[int]]  # programme name → points per month

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(name, COLOURS[k % len(COLOURS)]) for k, name in enumerate(self.series)]

    @property
    def peak(self) -> int:
        return max((max(v) for v in self.series.values() if v), default=0)


@dataclass
class Dashboard:
    today: dt.date
    balances: Balances
    warnings: list[Warning]
    lost: list[Lost]
    orders_at_risk: list
    auto_use: list
    not_entered: list
    payouts: list[Payout]
    overdue: list
    cycles: list[CycleFigures]
    month_points: dict[str, int]
    month_yen: int
    month_spend: int
    chart: Chart
    timeline: list[tuple[dt.date, int, int]] = field(default_factory=list)  # month, points, period-limited

    @property
    def effective_rate(self) -> Decimal | None:
        if not self.month_spend:
            return None
        return (Decimal(self.month_yen * 100) / Decimal(self.month_spend)).quantize(Decimal("0.01"))


def build(household: Household, today: dt.date) -> Dashboard:
    catalog = get_catalog()
    balances = balances_on(household, today, horizon_days=TIMELINE_DAYS)
    entered = set(household.scoped(CampaignEntry).values_list("rule__slug", flat=True))
    promised = promise_totals(household, today, catalog, accounts=[row.account for row in balances.accounts])
    return Dashboard(
        today=today,
        balances=balances,
        warnings=_warnings(balances, catalog, today),
        lost=_lost_last_month([row.account for row in balances.accounts], today, catalog),
        orders_at_risk=orders_at_risk(household, today),
        # the accounts are already loaded with the balances
        auto_use=[row.account for row in balances.accounts if row.account.amazon_auto_use],
        not_entered=_not_entered(household, catalog, today, entered),
        payouts=_payouts(promised, catalog, today),
        overdue=_overdue(promised, today),
        cycles=_cycles(household, catalog, today, entered, promised),
        **_months(household, catalog, today),
        timeline=_timeline(balances, today),
    )


@dataclass(frozen=True)
class Page:
    """What the dashboard page shows: the board, and its chart drawn."""

    board: Dashboard
    bars: list
    labels: list

    @classmethod
    def build(cls, household: Household, today: dt.date) -> Page:
        board = build(household, today)
        return cls(board, stacked_bars(board.chart), month_labels(board.chart))


class Boards:
    """Built dashboard pages, per household, kept in this process while the data has not changed.

    An entry is used when the data's token (read first, before anything is built from the data), the
    day and the language are those it was built under, and it is younger than `seconds` (a bound on
    what no token can see: rows changed by hand in the database). Inside a transaction nothing is
    kept or used: what it reads may be its own uncommitted writes. At most `size` households are
    kept, the least recently shown dropped first. Entries are shared by the requests of a worker's
    threads and never changed after they are made.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._pages: OrderedDict[int, tuple[tuple, float, Page]] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, household: Household, today: dt.date) -> Page:
        seconds = settings.DASHBOARD_CACHE_SECONDS
        if seconds <= 0 or connection.in_atomic_block:
            return Page.build(household, today)
        now = time.monotonic()
        key = (DataVersion.current(), today, get_language())
        with self._lock:
            kept = self._pages.get(household.pk)
            if kept is not None and kept[0] == key and now - kept[1] < seconds:
                self._pages.move_to_end(household.pk)
                return kept[2]
        page = Page.build(household, today)
        with self._lock:
            self._pages[household.pk] = (key, now, page)
            self._pages.move_to_end(household.pk)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


BOARDS = Boards()


def _warnings(balances: Balances, catalog: Catalog, today: dt.date) -> list[Warning]:
    last = today + dt.timedelta(days=90)
    rows = []
    for row in balances.accounts:
        program = catalog.programs.get(row.account.program.slug)
        for e in row.figures.expiring:
            if e.expires_on <= last:
                rows.append(
                    Warning(
                        member=row.account.member.name,
                        program=row.account.program.slug,
                        program_name=row.account.program.name,
                        points=e.points,
                        yen=row.account.program.yen_value(e.points),
                        expires_on=e.expires_on,
                        kind=e.kind,
                        where_to_spend=program.where_to_spend if program else "",
                    )
                )
    return sorted(rows, key=lambda w: (w.expires_on, not w.period_limited, w.member))


def _lost_last_month(accounts: list[LinkedAccount], today: dt.date, catalog: Catalog) -> list[Lost]:
    """Lots of the household's `accounts` (as `balances_on` read them) that expired last month with
    points left: what was left on the expiry day, whether or not the expiry has been recorded since."""
    start = month_start(today, back=1)
    end = month_end(start)
    by_pk = {account.pk: account for account in accounts}
    lots = (
        Lot.objects.filter(account__in=list(by_pk), expires_on__gte=start, expires_on__lte=end, void=False)
        .annotate(
            left=F("points")
            - Coalesce(Sum("allocations__points", filter=Q(allocations__movement__on__lte=F("expires_on"))), 0)
        )
        .filter(left__gt=0)
        .values_list("account_id", "expires_on", "left")
    )
    lost: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for account_id, day, left in lots:
        account = by_pk[account_id]
        lost[(account.member.name, account.program.slug, day)] += left
    return [
        Lost(member, catalog.programs[p].name, points, catalog.programs[p].yen_value(points), day)
        for (member, p, day), points in sorted(lost.items(), key=lambda kv: kv[0][2])
    ]


def _not_entered(household: Household, catalog: Catalog, today: dt.date, entered: set[str]) -> list:
    """Running or coming campaigns that need an entry, for cards the household holds, that no member entered."""
    held = set(household.scoped(HeldCard).values_list("method__slug", flat=True))
    return [
        rule
        for rule in catalog.rules
        if rule.requires_entry
        and rule.slug not in entered
        and (rule.valid_to is None or rule.valid_to >= today)
        and rule.valid_from <= today + dt.timedelta(days=30)
        and (not rule.methods or rule.methods & held)
    ]


def _overdue(promised: list[PromiseTotal], today: dt.date) -> list[PromiseTotal]:
    """Overdue promises, one line per member, programme and rule however many purchases and due days they
    come from (the insights page lists them one by one), dated by the latest day they were due by."""
    groups: dict[tuple[str, str, str], PromiseTotal] = {}
    for p in promised:
        if p.overdue(today):
            key = (p.member, p.program_name, p.source)
            seen = groups.get(key)
            groups[key] = p if seen is None else replace(seen, points=seen.points + p.points, due=max(seen.due, p.due))
    return sorted(groups.values(), key=lambda p: (p.due, p.member, p.source))


def _payouts(promised: list[PromiseTotal], catalog: Catalog, today: dt.date) -> list[Payout]:
    """Campaign points promised by a payout date still to come."""
    rules = {f"rule:{r.slug}": r for r in catalog.rules if r.grant_timing == GrantTiming.BY_PAYOUT_DATE}
    due: dict[tuple[str, dt.date], int] = defaultdict(int)
    for p in promised:
        if p.source in rules and p.due is not None and p.due >= today:
            due[(p.source, p.due)] += p.points
    return [
        Payout(rules[source].name, catalog.programs[rules[source].program].name, points, day)
        for (source, day), points in sorted(due.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def _cycles(
    household: Household, catalog: Catalog, today: dt.date, entered: set[str], promised: list[PromiseTotal]
) -> list[CycleFigures]:
    rules = [r for r in catalog.rules if r.cap_yen_per_cycle is not None and r.valid_on(today)]
    if not rules:
        return []
    starts = {r.slug: cycle_start(today, r.cycle_start_day or 1) for r in rules}
    spent: dict[str, int] = defaultdict(int)
    uses = Use.objects.filter(
        purchase__household=household, kind="cycle", key__in=list(starts), period_start__in=set(starts.values())
    ).values_list("key", "period_start", "amount")
    for key, start, amount in uses:
        if starts[key] == start:
            spent[key] += amount
    # Points to come: what is promised for the cycle's grant day and not received yet.
    grants = {slug: grant_date(rule, _Probe(date=starts[slug])) for slug, rule in ((r.slug, r) for r in rules)}
    earned: dict[str, int] = defaultdict(int)
    for p in promised:
        slug = p.source[5:]
        if slug in grants and p.due is not None and p.due == grants[slug]:
            earned[slug] += p.points
    figures = []
    for rule in rules:
        if rule.slug not in entered and not spent[rule.slug]:
            continue  # nobody in the household takes part
        start = starts[rule.slug]
        end = month_start(start, back=-1).replace(day=start.day) - dt.timedelta(days=1)
        figures.append(
            CycleFigures(
                rule=rule.name,
                start=start,
                end=end,
                cap_yen=rule.cap_yen_per_cycle,
                spent_yen=spent[rule.slug],
                points_to_come=earned[rule.slug],
                grant_on=grants[rule.slug],
            )
        )
    return figures


@dataclass(frozen=True)
class _Probe:
    """A payment on the cycle's first day: enough for `grant_date` to name the cycle's grant day."""

    date: dt.date
    shipped_on: dt.date | None = None


def _months(household: Household, catalog: Catalog, today: dt.date) -> dict:
    """The 12-month chart and this month's figures, from the monthly summaries (12 rows per account at
    most, however long the history) and this month's purchases."""
    months = [month_start(today, back=k) for k in range(11, -1, -1)]
    earned = (
        household.scoped(MonthlyEarning)
        .filter(month__gte=months[0], month__lte=months[-1])
        .exclude(points=0)
        .values_list("month", "account__program__slug", "points")
    )
    series: dict[str, list[int]] = {}
    this_month: dict[str, int] = defaultdict(int)
    for month, slug, points in earned:
        series.setdefault(catalog.programs[slug].name, [0] * 12)[months.index(month)] += points
        if month == months[-1]:
            this_month[slug] += points
    # Kept with the purchases: every live purchase dated this month, as the month's points count every
    # earning dated this month (so the effective return compares the same purchases).
    spend = household.scoped(MonthlySpend).filter(month=months[-1]).values_list("yen", flat=True).first() or 0
    return {
        "month_points": {catalog.programs[slug].name: points for slug, points in sorted(this_month.items())},
        "month_yen": sum(catalog.programs[slug].yen_value(points) for slug, points in this_month.items()),
        "month_spend": spend,
        "chart": Chart(months=months, series=dict(sorted(series.items()))),
    }


def _timeline(balances: Balances, today: dt.date) -> list[tuple[dt.date, int, int]]:
    months = [month_start(today, back=-k) for k in range(6)]
    totals = {m: [0, 0] for m in months}
    for row in balances.accounts:
        for e in row.figures.expiring:
            key = month_start(e.expires_on)
            if key in totals:
                totals[key][0] += e.points
                if e.period_limited:
                    totals[key][1] += e.points
    return [(m, total, limited) for m, (total, limited) in totals.items()]


COLOURS = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f", "#525252"]


@dataclass(frozen=True)
class Bar:
    label: str
    program: str
    points: int
    x: int
    y: int
    height: int
    colour: str


def stacked_bars(chart: Chart, height: int = 120, width: int = 24, gap: int = 8) -> list[Bar]:
    """SVG rectangles for the 12-month chart, stacked per month (computed here, drawn by the template)."""
    totals = [sum(series[i] for series in chart.series.values()) for i in range(len(chart.months))]
    peak = max(totals, default=0) or 1
    bars = []
    for i, month in enumerate(chart.months):
        top = height
        for k, (name, series) in enumerate(chart.series.items()):
            if not series[i]:
                continue
            h = max(1, series[i] * height // peak)
            top -= h
            bars.append(Bar(f"{month:%Y-%m}", name, series[i], i * (width + gap), top, h, COLOURS[k % len(COLOURS)]))
    return bars


def month_labels(chart: Chart, width: int = 24, gap: int = 8) -> list[tuple[int, str]]:
    return [(i * (width + gap), f"{m:%Y-%m}") for i, m in enumerate(chart.months) if i % 3 == 0]
