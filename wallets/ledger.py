"""Posting to the point ledger: earn, spend, adjust, reconcile, reverse and record expiries.

Plain service functions (after pretix's services): each runs in one transaction, locks the account it
changes (`select_for_update`, so two concurrent spends on PostgreSQL never take the same points; on
SQLite the IMMEDIATE transactions serialize writers), and refuses bad input with a `ValidationError`
a user can read, changing nothing. Movements and allocations are only ever added; `Lot.remaining` is
kept equal to `points - sum(allocations)` in the same transaction.

Readings (RULES.md §2, §4):
- A lot's grant date is the day it becomes available (楽天's 獲得予定 points are not granted yet).
- 楽天 normal points expire together: a grant moves the expiry of every normal lot still alive on its
  day to the end of the 12th month counting the grant's month; a grant that comes after the points
  expired does not revive them. Pending grants already known count, so a family is not warned about
  points that the next grant will keep.
- Reversing an earning before its points were granted voids the lot (it never extended anything);
  reversing after the grant takes the points back (from the lot first, then in spending order) and
  leaves past expiry extensions as they happened.
"""

from __future__ import annotations

import calendar
import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from pointbook.bulk import insert, new, update
from pointbook.plans import planned_for_values
from pointbook.summaries import differences
from programs.models import LotKind, Program

from .models import Allocation, LinkedAccount, Lot, MonthlyEarning, Movement

Kind = Movement.Kind


@lru_cache(maxsize=8192)  # a pure function of dates, asked again for every grant day whenever chains are drawn
def counting_month_end(granted: dt.date, months: int) -> dt.date:
    """Last day of the `months`-th month counting the grant's own month (12: 2026-03-10 → 2027-02-28)."""
    index = granted.year * 12 + granted.month - 1 + months - 1
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def spending_rank(program: Program) -> dict[str, int]:
    order = [kind.strip() for kind in program.spending_order.split(",") if kind.strip()]
    return {kind: rank for rank, kind in enumerate(order)}


def in_spending_order(lots: Iterable[Lot], program: Program) -> list[Lot]:
    """The programme's kind order (楽天: period-limited → exchanged-in → normal), soonest expiry first,
    then the oldest lot: a lot still waiting in a batch (no key yet) is newer than every lot written,
    and among those waiting the sort keeps the order they were made in."""
    rank = spending_rank(program)
    never = dt.date.max
    return sorted(
        lots,
        key=lambda lot: (
            rank.get(lot.kind, len(rank)),
            lot.expires_on or never,
            lot.available_on,
            lot.pk is None,
            lot.pk or 0,
        ),
    )


def _locked(account: LinkedAccount) -> LinkedAccount:
    """The account, locked for a write; its balance snapshot (`Holding`) stops being current in the same
    transaction, so no reader can take the old snapshot for the new ledger. Only the account's row is
    locked: FOR UPDATE over the join would also lock its programme's row, which every household's
    account of that programme shares, and its member's."""
    locked = (
        LinkedAccount.objects.select_for_update(of=("self",)).select_related("program", "member").get(pk=account.pk)
    )
    _outdate_snapshots(account.pk)
    return locked


def _outdate_snapshots(account_id: int) -> None:
    """The account's snapshots (`Holding`, `OpenPromise`) no longer match its lots: the next read rebuilds them."""
    LinkedAccount.objects.filter(pk=account_id).update(ledger_version=F("ledger_version") + 1)


class Batch:
    """Movements posted together in one transaction (a purchase's earnings, a whole CSV import): each
    account is locked once, earnings' movements and lots wait to be written in bulk (`write`), an
    account's 楽天-style rolling chains are drawn once for all its new grants (`ready`, before anything
    reads the account's lots back), an account's lots with points are read once for all its spends
    (`spendable`), a spend's movement and allocations wait to be written with the rest (`take`), and
    the monthly summaries are added up and written at the end (`flush`, which also
    draws the chains not drawn yet, before the transaction commits). `earn`,
    `spend` and `reverse` take one; without it each call is its own batch."""

    def __init__(self) -> None:
        self._accounts: dict[int, LinkedAccount] = {}
        self._earned: dict[tuple[int, dt.date], int] = {}
        # in the order they are written: an allocation names its movement and its lot
        self._pending: dict[type, list] = {Movement: [], Lot: [], Allocation: []}
        self._lowered: dict[int, Lot] = {}  # written lots a spend took from: their `remaining`, at `write`
        self._chains: dict[int, tuple[LinkedAccount, dt.date]] = {}  # account → its earliest new grant
        self._spendable: dict[int, Spendable] = {}  # account → its lots with points, read by a spend

    def defer(self, *rows) -> None:
        for row in rows:
            self._pending[type(row)].append(row)
            if type(row) is Lot and row.account_id in self._spendable:
                self._spendable[row.account_id].add(row)

    def spendable(self, account: LinkedAccount) -> Spendable:
        """The account's lots with points (locked), read once per batch: see `Spendable`. Its chains are
        then drawn in memory for the lots it holds; in the database, before anything reads the
        account's lots there (`ready`) or at `flush`."""
        held = self._spendable.get(account.pk)
        if held is None:
            self.ready(account.pk)
            held = self._spendable[account.pk] = Spendable(account, lock=True, chains=True)
        elif held.new_grants and account.pk in self._chains:
            if held.grant_days is None:
                self.write()  # the grant days are read from the database, with the lots waiting
            held.draw_chains(since=self._chains[account.pk][1])
        return held

    def take(self, movement: Movement, lots: Sequence[Lot], points: int) -> None:
        """`_take` for a spend's movement, written with the batch: the movement, an allocation for each
        lot touched, and the new `remaining` of the lots already written (a lot still waiting is
        written with it)."""
        allocations = _allocations(movement, lots, points)
        self.defer(movement, *allocations)
        self._lowered.update((a.lot.pk, a.lot) for a in allocations if a.lot.pk is not None)

    def forget(self, account_id: int) -> None:
        """The account's lots were changed other than through the batch's `Spendable` (a reversal)."""
        self._spendable.pop(account_id, None)

    def rechain(self, account: LinkedAccount, since: dt.date) -> None:
        """The account's rolling chains change from `since` on: drawn again before its lots are read."""
        waiting = self._chains.get(account.pk)
        self._chains[account.pk] = (account, min(since, waiting[1]) if waiting else since)

    def write(self) -> None:
        """Write the rows that wait (other rows are about to name them, or a query to read them)."""
        write_waiting(self._pending)
        if self._lowered:
            update(Lot, list(self._lowered.values()), ["remaining"])
            self._lowered.clear()

    def ready(self, account_id: int) -> None:
        """Make the account's lots what a reader must see: written, with their chains drawn."""
        self.write()
        if account_id in self._chains:
            _rechain(*self._chains.pop(account_id), held=self._spendable.get(account_id))

    def lock(self, account: LinkedAccount) -> LinkedAccount:
        if account.pk not in self._accounts:
            self._accounts[account.pk] = _locked(account)
        return self._accounts[account.pk]

    def count_earned(self, account_id: int, on: dt.date, points: int) -> None:
        key = (account_id, on.replace(day=1))
        self._earned[key] = self._earned.get(key, 0) + points

    def flush(self) -> None:
        self.write()
        for account, since in self._chains.values():
            _rechain(account, since, held=self._spendable.get(account.pk))
        self._chains.clear()
        earned = dict(self._earned)
        self._earned.clear()
        if len(earned) <= 1:
            for (account_id, month), points in earned.items():
                _count_earned(account_id, month, points)
            return
        # An import's months: read the summaries once, then update and create them in bulk.
        found = MonthlyEarning.objects.filter(
            account_id__in={account_id for account_id, _month in earned}, month__in={month for _id, month in earned}
        )
        have = {(m.account_id, m.month): m for m in found}
        for key, summary in have.items():
            summary.points += earned.get(key, 0)
        update(MonthlyEarning, [m for key, m in have.items() if key in earned], ["points"])
        insert(
            MonthlyEarning,
            [
                MonthlyEarning(account_id=account_id, month=month, points=points)
                for (account_id, month), points in earned.items()
                if (account_id, month) not in have
            ],
        )


def write_waiting(pending: dict[type, list]) -> None:
    """Write rows waiting per model, in the dict's order (so each row's foreign keys name rows already
    written), and empty the lists."""
    for model, rows in pending.items():
        if rows:
            insert(model, rows)
            rows.clear()


@contextmanager
def batch_or_own(given, make=Batch):
    """The transaction and batch of writes a service call runs in: the caller's batch (a `Batch`, or
    anything with `flush`), inside the caller's transaction, or else the call's own, made by `make` and
    flushed when the call succeeds, in a transaction of its own (a savepoint in a caller's).

    With the caller's batch there is no savepoint: a refusal leaves the batch half-posted, so the
    caller cannot go on with it and the whole transaction rolls back (an import is all or nothing).
    That saves two statements per row of an import."""
    if given is not None:
        with transaction.atomic(savepoint=False):
            yield given
        return
    with transaction.atomic():
        own = make()
        yield own
        own.flush()


def _movement(account, kind, points, on, by, note="", reason="", reverses=None) -> Movement:
    movement = _movement_row(account, kind, points, on, by, note, reason, reverses)
    movement.save()
    return movement


def _movement_row(account, kind, points, on, by, note="", reason="", reverses=None) -> Movement:
    return new(
        Movement,
        account=account,
        kind=kind,
        points=points,
        on=on,
        created_by=by if by is not None and by.is_authenticated else None,
        note=note[:300],
        reason=reason,
        reverses=reverses,
    )


def _count_earned(account_id: int, on: dt.date, points: int) -> None:
    """Keep the month's summary with the movement (the caller holds the account's lock)."""
    month = on.replace(day=1)
    if not MonthlyEarning.objects.filter(account_id=account_id, month=month).update(points=F("points") + points):
        MonthlyEarning.objects.create(account_id=account_id, month=month, points=points)


def plan(lots: Sequence[Lot], points: int) -> list[tuple[Lot, int]]:
    """Which lots `points` come from, in the lots' order: the one rule shared by a spend and its
    simulation ("what if I spend X now?"), so the two cannot disagree."""
    taking = []
    for lot in lots:
        if points == 0:
            break
        taken = min(points, lot.spendable)
        if taken:
            taking.append((lot, taken))
            points -= taken
    return taking


def _allocations(movement: Movement, lots: Sequence[Lot], points: int) -> list[Allocation]:
    """Take `points` from `lots` in their order: each lot touched has its `remaining` lowered, and an
    allocation (not written yet) records it."""
    allocations = []
    for lot, taken in plan(lots, points):
        lot.remaining -= taken
        allocations.append(new(Allocation, movement=movement, lot=lot, points=taken))
    return allocations


def _take(movement: Movement, lots: Sequence[Lot], points: int) -> None:
    """`_allocations`, written at once (a reversal, which reads the lots back; a spend's wait in its
    batch: `Batch.take`)."""
    allocations = _allocations(movement, lots, points)
    insert(Allocation, allocations)
    update(Lot, [a.lot for a in allocations], ["remaining"])


class Spendable:
    """An account's lots that still hold points (not void), read once, with the points reversals gave
    back to them and when: the lots a spend may take from on any day are then picked in memory. A
    batch keeps one per account for all its spends (an import spends from the same account hundreds
    of times): its spends lower the same lots' `remaining`, the batch adds the lots it earns and moves
    their expiries with the chains it draws, and forgets the account when a reversal changes its lots
    behind it. With `lock`, the lots are read FOR UPDATE, as a spend needs."""

    def __init__(self, account: LinkedAccount, *, lock: bool, chains: bool = False) -> None:
        self.account = account
        lots = Lot.objects.filter(account=account, remaining__gt=0, void=False)
        self.lots = list(lots.select_for_update() if lock else lots)
        self.given_back = _given_back(Allocation.objects.filter(lot__in=lots.values("pk"))) if self.lots else {}
        # With `chains`, for a programme whose normal points expire together (楽天): the days of its
        # normal grants, which draw the chains (`_rechain`), read when first needed and kept with the
        # grants the batch adds.
        self.chains = chains and account.program.normal_expiry == Program.Expiry.ROLLING
        self.grant_days: list[dt.date] | None = None  # ascending
        self.new_grants = False  # grants added since the chains were last drawn
        # The chains drawn (`_chains_of`) from the first `drawn` grant days: a batch's new grants come
        # mostly after the others, so drawing again goes on from where the last drawing stopped.
        self.drawn, self.firsts, self.ends = 0, [], []

    def add(self, lot: Lot) -> None:
        self.lots.append(lot)
        if self.chains and _chained(lot):
            self.new_grants = True
            if self.grant_days is not None:
                days, day = self.grant_days, lot.available_on
                at = bisect_left(days, day)
                if at == len(days) or days[at] != day:
                    days.insert(at, day)
                    self.drawn = min(self.drawn, at)

    def draw_chains(self, since: dt.date) -> None:
        """`_rechain` for the lots held, from the grant days (read from the database the first time,
        once the batch has written its lots; then kept with `add`): the lots of every chain alive on or
        after `since` expire at its end."""
        if self.grant_days is None:
            grants = _normal_grants(self.account).values_list("available_on", flat=True)
            self.grant_days = list(grants.order_by("available_on").distinct())
        self.new_grants = False
        days, drawn = self.grant_days, self.drawn
        if drawn < len(days):
            kept, running = 0, None
            if drawn:  # the chains before the one the last unchanged grant day is in stay as drawn
                kept = bisect_right(self.firsts, days[drawn - 1]) - 1
                running = (self.firsts[kept], days[drawn - 1])
            firsts, ends = _chains_of(days[drawn:], self.account.program, running)
            self.firsts, self.ends = self.firsts[:kept] + firsts, self.ends[:kept] + ends
            self.drawn = len(days)
        self.move_expiries(self.firsts, self.ends, since)

    def move_expiries(self, firsts: list[dt.date], ends: list[dt.date], since: dt.date | None = None) -> None:
        """The held normal lots of the chains drawn (`_chains_of`) alive on or after `since` expire at
        their chain's end."""
        for lot in self.lots:
            if lot.kind == LotKind.NORMAL and lot.available_on is not None:
                chain = bisect_right(firsts, lot.available_on) - 1
                if chain >= 0 and (since is None or ends[chain] >= since):
                    lot.expires_on = ends[chain]

    def on(self, day: dt.date, kinds: Iterable[str] | None = None) -> list[Lot]:
        """The lots usable on `day` (of `kinds`), in spending order, each with its `spendable` points."""
        self.lots = [lot for lot in self.lots if lot.remaining > 0]
        usable = [lot for lot in self.lots if lot.state_on(day) == "available" and (kinds is None or lot.kind in kinds)]
        return in_spending_order(_with_spendable(usable, day, self.given_back), self.account.program)


def usable_lots(account: LinkedAccount, on: dt.date, kinds: Iterable[str] | None = None) -> list[Lot]:
    """The account's lots usable on `on` in spending order, unlocked: for looking, not spending."""
    return Spendable(account, lock=False).on(on, kinds)


def _usable(account: LinkedAccount, on: dt.date, kinds: Iterable[str] | None = None) -> list[Lot]:
    """The account's lots usable on `on`, locked, in spending order, each with its `spendable` points."""
    return Spendable(account, lock=True).on(on, kinds)


def _given_back(allocations) -> dict[int, list[tuple[dt.date, int]]]:
    """Per lot, the points reversals gave back to it (negative) and the reversals' dates."""
    found: dict[int, list[tuple[dt.date, int]]] = {}
    for lot_id, on, points in allocations.filter(points__lt=0).values_list("lot_id", "movement__on", "points"):
        found.setdefault(lot_id, []).append((on, points))
    return found


def _with_spendable(lots: list[Lot], on: dt.date, given_back=None) -> list[Lot]:
    """Set `spendable`: what is left now, less points given back by reversals dated after `on` — a
    movement dated earlier must not rely on them, or the lot would hold less than nothing in between."""
    if given_back is None:
        given_back = _given_back(Allocation.objects.filter(lot__in=lots))
    for lot in lots:
        later = sum(points for day, points in given_back.get(lot.pk, ()) if day > on)
        lot.spendable = max(0, lot.remaining + later)
    return lots


def _not_enough(account: LinkedAccount, wanted: int, have: int, on: dt.date, kinds) -> ValidationError:
    if kinds is not None and set(kinds) == {LotKind.PERIOD_LIMITED}:
        message = _(
            "Only %(have)s period-limited %(program)s points are available on %(day)s; %(wanted)s cannot be spent."
        )
    else:
        message = _("Only %(have)s %(program)s points are available on %(day)s; %(wanted)s cannot be spent.")
    return ValidationError(
        message % {"have": f"{have:,}", "wanted": f"{wanted:,}", "program": account.program.name, "day": on.isoformat()}
    )


def _expiry_for(account: LinkedAccount, kind: str, available_on: dt.date | None) -> dt.date | None:
    program = account.program
    if kind != LotKind.NORMAL or available_on is None or program.normal_expiry == Program.Expiry.NEVER:
        return None
    return counting_month_end(available_on, program.normal_expiry_months or 12)


def _rechain(account: LinkedAccount, since: dt.date | None = None, held: Spendable | None = None) -> None:
    """Draw the account's rolling chains (楽天) again from the normal grants that stand: a grant made
    before the previous one's chain ended joins that chain, every lot of a chain expires at the end of
    the programme's N-th month (12 for 楽天) counting the month of its last grant, and a grant after a
    chain ended starts a new one, so it never revives expired points. Drawing from the grants alone
    gives what adding them one by one gives, in any order (the ledger's property tests check it), so a
    batch draws once for many.

    With `since` (the earliest grant added or removed), only the chains alive on or after it are
    drawn: each of their lots expires on or after `since`, and chains that ended before cannot change.
    `held`: the account's lots a batch holds in memory (`Spendable`), moved with those in the database.
    """
    normal = _normal_grants(account)
    running = None  # the chain drawn before `since` that reaches it: (its first grant day, its last)
    grants = _grants(normal if since is None else normal.filter(available_on__gte=since))
    if since is not None:
        # The grants before `since` were drawn already, and the lots of a chain all expire at its end:
        # of the chain that reaches `since` only its first and last grants are read, not years of them
        # (a family that earns 楽天 points every month never ends its chain).
        before = normal.filter(available_on__lt=since)
        last = before.order_by("-available_on").values_list("available_on", "expires_on").first()
        if last is not None and last[1] is not None and last[1] >= since:
            first = before.filter(expires_on=last[1]).order_by("available_on").values_list("available_on", flat=True)
            running = (first[0], last[0])
    firsts, ends = _chains_of([day for day, _expiry in grants], account.program, running)
    if running:
        grants.insert(0, (running[0], last[1]))  # standing for all the chain's lots before `since`
    expiries: list[set] = [set() for _first in firsts]  # the expiries each chain's lots have now
    for day, expires_on in grants:
        expiries[bisect_right(firsts, day) - 1].add(expires_on)
    for index, (first, end, have) in enumerate(zip(firsts, ends, expiries, strict=True)):
        if have != {end}:
            # When the running chain's end stays, its lots before `since` stay as they are.
            if index == 0 and running is not None and grants[0][1] == end:
                first = since
            normal.filter(available_on__gte=first, available_on__lte=end).exclude(expires_on=end).update(expires_on=end)
    if held is not None:
        held.move_expiries(firsts, ends)


def _normal_grants(account: LinkedAccount):
    """The account's granted normal lots that stand: the lots whose grant days draw its chains."""
    return Lot.objects.filter(account=account, kind=LotKind.NORMAL, void=False, available_on__isnull=False)


def _grants(lots) -> list[tuple[dt.date, dt.date | None]]:
    """The (grant day, expiry) pairs of normal lots, by day: a chain is a run of grant days."""
    return list(lots.values_list("available_on", "expires_on").order_by("available_on").distinct())


def _chains_of(
    days: Iterable[dt.date], program: Program, running: tuple[dt.date, dt.date] | None = None
) -> tuple[list[dt.date], list[dt.date]]:
    """The chains that grant days (in ascending order) draw: each chain's first grant day and its end, the
    last day of the programme's N-th month counting the month of its last grant. A grant on or before
    the end of the chain so far joins it; a later one starts a new chain. `running`: the first and last
    grant days of a chain drawn before these days, which they may join."""
    months = program.normal_expiry_months or 12
    firsts: list[dt.date] = [running[0]] if running else []
    ends: list[dt.date] = [counting_month_end(running[1], months)] if running else []
    for day in days:
        if not ends or day > ends[-1]:
            firsts.append(day)
            ends.append(day)
        ends[-1] = counting_month_end(day, months)
    return firsts, ends


def _new_lot(
    account: LinkedAccount,
    movement: Movement,
    kind: str,
    available_on: dt.date | None,
    expires_on: dt.date | None,
) -> Lot:
    lot = _lot_row(account, movement, kind, available_on, expires_on)
    lot.save()
    if _chained(lot):
        _rechain(account, lot.available_on)
    return lot


def _chained(lot: Lot) -> bool:
    """Does the lot's grant extend the expiry of the normal lots before it (楽天-style rolling expiry)?"""
    program = lot.account.program
    return bool(lot.kind == LotKind.NORMAL and lot.available_on and program.normal_expiry == Program.Expiry.ROLLING)


def _lot_row(
    account: LinkedAccount,
    movement: Movement,
    kind: str,
    available_on: dt.date | None,
    expires_on: dt.date | None,
    promised: bool = False,
) -> Lot:
    if expires_on is None:
        expires_on = _expiry_for(account, kind, available_on)
    return new(
        Lot,
        account=account,
        earned_by=movement,
        kind=kind,
        points=movement.points,
        remaining=movement.points,
        earned_on=movement.on,
        available_on=available_on,
        expires_on=expires_on,
        promised=promised,
    )


def earn(
    account: LinkedAccount,
    points: int,
    on: dt.date,
    *,
    available_on: dt.date | None,
    kind: str = LotKind.NORMAL,
    expires_on: dt.date | None = None,
    by: AbstractBaseUser | None = None,
    note: str = "",
    reason: str = "",
    promised: bool = False,
    batch: Batch | None = None,
) -> Movement:
    """Points earned on `on`, pending until `available_on` (None: until an event such as shipment).

    `expires_on` is for lots with their own date (period-limited, スーパー還元's 96 days); normal lots
    follow the programme's expiry.
    """
    if points <= 0:
        raise ValidationError(_("An earning must be a positive number of points."))
    if available_on is not None and available_on < on:
        raise ValidationError(_("Points cannot become available before they are earned."))
    if expires_on is not None and available_on is not None and expires_on < available_on:
        raise ValidationError(_("Points cannot expire before they become available."))
    with batch_or_own(batch) as batch:
        account = batch.lock(account)
        movement = _movement_row(account, Kind.EARN, points, on, by, note, reason)
        lot = _lot_row(account, movement, kind, available_on, expires_on, promised)
        batch.defer(movement, lot)
        if _chained(lot):
            batch.rechain(account, lot.available_on)
        batch.count_earned(account.pk, on, points)
    return movement


@transaction.atomic
def make_available(lot: Lot, day: dt.date) -> Lot:
    """The event a pending lot waited for happened (every item of the Amazon order shipped)."""
    account = _locked(lot.account)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.available_on is not None:
        raise ValidationError(_("These points already have their available date."))
    if day < lot.earned_on:
        raise ValidationError(_("Points cannot become available before they are earned."))
    lot.available_on = day
    lot.account = account
    if lot.expires_on is None:
        lot.expires_on = _expiry_for(account, lot.kind, day)
    lot.save(update_fields=["available_on", "expires_on"])
    if _chained(lot):
        _rechain(account, day)
    return lot


def spend(
    account: LinkedAccount,
    points: int,
    on: dt.date,
    *,
    by: AbstractBaseUser | None = None,
    only_kinds: Iterable[str] | None = None,
    note: str = "",
    batch: Batch | None = None,
) -> Movement:
    """Spend points in the programme's order; refused, changing nothing, if not enough are available."""
    if points <= 0:
        raise ValidationError(_("Spend a positive number of points."))
    kinds = list(only_kinds) if only_kinds is not None else None
    with batch_or_own(batch) as batch:
        account = batch.lock(account)
        lots = batch.spendable(account).on(on, kinds)  # lots waiting in the batch are spendable too
        have = sum(lot.spendable for lot in lots)
        if have < points:
            raise _not_enough(account, points, have, on, kinds)
        movement = _movement_row(account, Kind.SPEND, -points, on, by, note)
        batch.take(movement, lots, points)
    return movement


def available_points(account: LinkedAccount, on: dt.date, kinds: Iterable[str] | None = None) -> int:
    """Points the account can spend on `on` (available, not expired), of the given kinds if any."""
    left = Lot.objects.filter(account=account, available_on__lte=on)
    if kinds is not None:
        left = left.filter(kind__in=list(kinds))
    return sum(left for (left,) in left.live_on(on, "left"))


def check_available(account: LinkedAccount, points: int, on: dt.date, kinds: Iterable[str] | None = None) -> None:
    """Refuse, as `spend` would, if `points` are not available on `on` (a spend that happens later)."""
    kinds = list(kinds) if kinds is not None else None
    have = available_points(account, on, kinds)
    if have < points:
        raise _not_enough(account, points, have, on, kinds)


@transaction.atomic
def adjust(
    account: LinkedAccount, points: int, on: dt.date, *, by: AbstractBaseUser | None = None, note: str = ""
) -> Movement:
    """A correction: positive adds available normal points, negative takes points in spending order."""
    if points == 0:
        raise ValidationError(_("An adjustment must change the balance."))
    account = _locked(account)
    if points > 0:
        movement = _movement(account, Kind.ADJUST, points, on, by, note)
        _new_lot(account, movement, LotKind.NORMAL, on, None)
        return movement
    lots = _usable(account, on)
    have = sum(lot.spendable for lot in lots)
    if have < -points:
        raise _not_enough(account, -points, have, on, None)
    movement = _movement(account, Kind.ADJUST, points, on, by, note)
    _take(movement, lots, -points)
    return movement


def reconcile(
    account: LinkedAccount, shown: int, on: dt.date, *, by: AbstractBaseUser | None = None
) -> Movement | None:
    """The member entered the balance the programme's own site shows; record the difference, if any."""
    if shown < 0:
        raise ValidationError(_("A balance cannot be negative."))
    with transaction.atomic():
        account = _locked(account)
        have = available_points(account, on)
        # The programme's own balance includes every grant due by then: those promises are kept.
        Lot.objects.filter(account=account, available_on__lte=on, received_on__isnull=True).update(received_on=on)
        if shown == have:
            return None
        note = _("Reconciled: the programme shows %(shown)s, pointbook had %(have)s.") % {
            "shown": f"{shown:,}",
            "have": f"{have:,}",
        }
        return adjust(account, shown - have, on, by=by, note=note)


def reverse(
    movement: Movement,
    on: dt.date,
    *,
    by: AbstractBaseUser | None = None,
    note: str = "",
    batch: Batch | None = None,
) -> Movement:
    """Undo a movement with a new one; the original stays in the ledger."""
    with batch_or_own(batch) as batch:
        account = batch.lock(LinkedAccount(pk=movement.account_id))
        batch.ready(account.pk)  # the movement, and every lot it could touch, must be in the database
        batch.forget(account.pk)  # it changes the account's lots in the database
        movement = Movement.objects.select_for_update().get(pk=movement.pk)
        if movement.kind == Kind.REVERSE:
            raise ValidationError(_("A reversal cannot be reversed; record the correct movement instead."))
        if movement.kind == Kind.EXPIRE:
            raise ValidationError(_("Expired points are gone at the programme too; an expiry cannot be reversed."))
        if Movement.objects.filter(reverses=movement).exists():
            raise ValidationError(_("This movement has already been reversed."))
        if on < movement.on:
            raise ValidationError(_("A reversal cannot be dated before the movement it reverses."))
        if movement.kind == Kind.EARN:
            batch.count_earned(account.pk, movement.on, -movement.points)  # the chart counts earnings not reversed
        if movement.points > 0:
            return _take_back(account, movement, on, by, note)
        undo = _movement(account, Kind.REVERSE, -movement.points, on, by, note, reverses=movement)
        given_back = []
        for allocation in movement.allocations.select_related("lot").select_for_update():
            lot = allocation.lot
            lot.remaining += allocation.points
            given_back.append(lot)
            Allocation.objects.create(movement=undo, lot=lot, points=-allocation.points)
        update(Lot, given_back, ["remaining"])
        return undo


def _take_back(account: LinkedAccount, movement: Movement, on: dt.date, by, note: str) -> Movement:
    lot = Lot.objects.select_for_update().get(earned_by=movement)
    lot.account = account  # locked, with its programme
    granted = lot.available_on is not None and lot.available_on <= on
    # Voiding re-draws the expiry chain; movements dated later may have relied on it, so then the
    # points are taken back like granted ones instead.
    if not granted and lot.remaining == lot.points and not _took_after(account, on):
        undo = _movement(account, Kind.REVERSE, -lot.points, on, by, note, reverses=movement)
        _take(undo, _with_spendable([lot], on), lot.points)
        lot.void, lot.expires_on = True, None
        lot.save(update_fields=["void", "expires_on"])
        if _chained(lot):  # its grant no longer holds the chain it was in
            _rechain(account, lot.available_on)
        return undo
    others = [other for other in _usable(account, on) if other.pk != lot.pk]
    _with_spendable([lot], on)
    have = lot.spendable + sum(other.spendable for other in others)
    if have < lot.points:
        raise ValidationError(
            _(
                "%(points)s points cannot be taken back: only %(have)s %(program)s points are left. "
                "Record what the programme did as an adjustment."
            )
            % {"points": f"{lot.points:,}", "have": f"{have:,}", "program": account.program.name}
        )
    undo = _movement(account, Kind.REVERSE, -lot.points, on, by, note, reverses=movement)
    _take(undo, [lot, *others], lot.points)
    return undo


def _took_after(account: LinkedAccount, on: dt.date) -> bool:
    """Is a movement other than an earning (a spend, expiry, adjustment or reversal) dated after `on` in
    the account? Planned for its values: PostgreSQL's generic plan walks every household's movements
    after the day to find the account's (`pointbook.plans`)."""
    with planned_for_values():
        return Movement.objects.filter(account=account, on__gt=on).exclude(kind=Kind.EARN).exists()


def mark_received(lot: Lot, on: dt.date) -> Lot:
    """A member saw the grant at the programme: the promise is kept."""
    if lot.void:
        raise ValidationError(_("These points were cancelled; there is nothing to receive."))
    if lot.received_on is None:
        with transaction.atomic():
            Lot.objects.filter(pk=lot.pk, received_on__isnull=True).update(received_on=on)
            _outdate_snapshots(lot.account_id)  # its open promises
        lot.received_on = on
    return lot


def record_expiries(today: dt.date) -> int:
    """Record an expire movement for points whose last day was before `today`; returns how many.

    Balances leave expired points out by their date without this; it only writes the fact into the
    ledger. Idempotent: a lot whose points are already recorded as expired has none left to expire.
    """
    due = (
        Lot.objects.filter(remaining__gt=0, void=False, expires_on__lt=today)
        .order_by("account_id", "expires_on", "pk")
        .values_list("account_id", "expires_on", "pk")
    )
    recorded = 0
    for (account_id, expires_on), group in groupby(due, key=lambda row: (row[0], row[1])):
        lot_ids = [pk for _account, _day, pk in group]
        with transaction.atomic():
            account = _locked(LinkedAccount(pk=account_id))
            lots = list(Lot.objects.select_for_update().filter(pk__in=lot_ids, remaining__gt=0, expires_on=expires_on))
            points = sum(lot.remaining for lot in lots)
            if not points:
                continue
            movement = _movement(account, Kind.EXPIRE, -points, expires_on + dt.timedelta(days=1), None)
            for lot in lots:
                lot.spendable = lot.remaining
            _take(movement, lots, points)
            recorded += points
    return recorded


def ledger_differences() -> list[tuple[int, int, int]]:
    """Lots whose maintained `remaining` differs from a rebuild from the ledger: (lot, kept, rebuilt)."""
    rebuilt = Lot.objects.annotate(taken=Sum("allocations__points")).values_list("pk", "remaining", "points", "taken")
    return [
        (pk, remaining, points - (taken or 0))
        for pk, remaining, points, taken in rebuilt.iterator(chunk_size=5000)
        if remaining != points - (taken or 0)
    ]


def monthly_rebuild(accounts=None) -> dict[tuple[int, dt.date], int]:
    """Points earned per account and month, from the ledger: earn movements not reversed."""
    from django.db.models.functions import TruncMonth

    earned = Movement.objects.filter(kind=Kind.EARN, reversed_by__isnull=True)
    if accounts is not None:
        earned = earned.filter(account__in=accounts)
    rows = earned.annotate(month=TruncMonth("on")).values_list("account_id", "month").annotate(points=Sum("points"))
    return {(a, m.date() if isinstance(m, dt.datetime) else m): p for a, m, p in rows.order_by() if p}


def summary_differences() -> list[tuple[int, dt.date, int, int]]:
    """Months whose kept summary differs from a rebuild: (account, month, kept, rebuilt)."""
    kept = {(a, m): p for a, m, p in MonthlyEarning.objects.values_list("account_id", "month", "points") if p}
    return sorted((a, m, k, r) for (a, m), k, r in differences(kept, monthly_rebuild()))


def refresh_summaries(accounts) -> None:
    """Rebuild the accounts' monthly summaries from the ledger (after rows were written in bulk)."""
    MonthlyEarning.objects.filter(account__in=accounts).delete()
    MonthlyEarning.objects.bulk_create(
        MonthlyEarning(account_id=a, month=m, points=p) for (a, m), p in monthly_rebuild(accounts).items()
    )


@dataclass(frozen=True)
class Simulation:
    """「今X使ったら?」: which lots a spend would take, what stays, and what would still expire unused."""

    wanted: int
    taking: list[tuple[Lot, int]]
    left: list[tuple[Lot, int]]  # every usable lot with the points it would still hold

    @property
    def covered(self) -> int:
        return sum(taken for _lot, taken in self.taking)

    @property
    def short(self) -> int:
        return self.wanted - self.covered

    @property
    def still_expiring(self) -> list[tuple[Lot, int]]:
        return sorted(
            ((lot, points) for lot, points in self.left if points and lot.expires_on), key=lambda t: t[0].expires_on
        )


def simulate_spend(
    account: LinkedAccount, points: int, on: dt.date, only_kinds: Iterable[str] | None = None
) -> Simulation:
    """What `spend` would do, lot by lot, without doing it (the same `plan`)."""
    lots = usable_lots(account, on, list(only_kinds) if only_kinds is not None else None)
    taking = plan(lots, max(points, 0))
    taken = {lot.pk: n for lot, n in taking}
    every = usable_lots(account, on)
    return Simulation(points, taking, [(lot, lot.spendable - taken.get(lot.pk, 0)) for lot in every])
