"""Purchases as CSV: the import (all-or-nothing, UTF-8 or Shift_JIS) and the export in the same format.

Columns (README "Importing purchases"): date, member, merchant, amount, amount_excl_tax, method,
channel, funding, coupons, points_spent, points_program, items, expected_ship_on, cancelled_on, note.
`coupons` is `yen:500;percent:10@2026-06-30`; `items` is `name|price|flag+flag|shipped_on` joined by `;`.

The file is read as a stream (never held in memory), and posted in one transaction: a mistake on any
row, or a row the ledger refuses (not enough points), rolls it all back, and every mistake is reported
with its line (`apply_steps`). Each row carries a
fingerprint (its values and how many identical rows came before it in the file), so importing the
same file again adds nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households.models import Household, Member
from programs.catalog import get_catalog
from programs.engine import Coupon, Item
from programs.models import Channel
from wallets.models import LinkedAccount

from . import posting
from .models import ITEM_FLAGS, Purchase

COLUMNS = [
    "date",
    "member",
    "merchant",
    "amount",
    "amount_excl_tax",
    "method",
    "channel",
    "funding",
    "coupons",
    "points_spent",
    "points_program",
    "items",
    "expected_ship_on",
    "cancelled_on",
    "note",
]
REQUIRED = {"date", "member", "merchant", "amount", "method"}
MAX_AMOUNT = 100_000_000  # no household purchase is over ¥100M; a bigger figure is a typo
DATE = "%Y-%m-%d"


class ImportRefused(Exception):
    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class Row:
    line: int
    facts: posting.Facts
    cancelled_on: dt.date | None
    key: str


@dataclass
class Checked:
    rows: int = 0
    new: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    sample: list[Row] = field(default_factory=list)


class FileSource:
    """An uploaded or given file, read in chunks each time it is iterated (never held whole)."""

    def __init__(self, path: str, chunk_size: int = 1 << 16):
        self.path, self.chunk_size = path, chunk_size

    def __iter__(self) -> Iterator[bytes]:
        with open(self.path, "rb") as handle:
            yield from iter(lambda: handle.read(self.chunk_size), b"")


class BytesSource:
    def __init__(self, data: bytes, chunk_size: int = 1 << 16):
        self.data, self.chunk_size = data, chunk_size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.chunk_size):
            yield self.data[start : start + self.chunk_size]


def decoded_lines(source: Iterable[bytes]) -> Iterator[str]:
    """Text lines of a file: UTF-8 (with or without BOM), else Shift_JIS (cp932), the encoding of
    many Japanese card statements. The whole file is checked first so a bad byte on the last line
    refuses the file before anything is read."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in source:
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return _lines(source, encoding)
    raise ImportRefused([(_bad_line(source), _("The file is neither UTF-8 nor Shift_JIS (cp932)."))])


def _lines(source: Iterable[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for chunk in source:
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        for text in complete:
            yield text + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _bad_line(source: Iterable[bytes]) -> int:
    """The line of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    for chunk in source:
        try:
            line += decoder.decode(chunk).count("\n")
        except UnicodeDecodeError as error:
            return line + chunk[: error.start].count(b"\n")
    return line


class Reader:
    """Checks rows against a household: its members, their accounts and the catalog."""

    def __init__(self, household: Household):
        self.household = household
        self.catalog = get_catalog()
        self.members = {m.name: m for m in household.scoped(Member)}
        self.accounts = {
            (a.member_id, a.program.slug): a for a in household.scoped(LinkedAccount).select_related("program")
        }
        # How many identical rows came before, by a digest of the row (a million rows' text would not fit).
        self.seen: Counter[bytes] = Counter()

    def rows(self, lines: Iterable[str]) -> Iterator[tuple[int, Row | None, list[str]]]:
        reader = csv.reader(lines)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportRefused([(1, _("The file is empty."))]) from None
        missing = REQUIRED - set(header)
        unknown = set(header) - set(COLUMNS)
        if missing or unknown:
            problems = []
            if missing:
                problems.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(sorted(missing))})
            if unknown:
                problems.append(_("unknown column(s): %(columns)s") % {"columns": ", ".join(sorted(unknown))})
            raise ImportRefused([(1, "; ".join(problems))])
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield (
                    line,
                    None,
                    [_("expected %(n)s fields, found %(found)s") % {"n": len(header), "found": len(values)}],
                )
                continue
            yield line, *self.row(line, dict(zip(header, (v.strip() for v in values), strict=True)))

    def row(self, line: int, v: dict[str, str]) -> tuple[Row | None, list[str]]:
        errors: list[str] = []

        def date(column: str, required: bool = False) -> dt.date | None:
            text = v.get(column, "")
            if not text:
                if required:
                    errors.append(_("%(column)s is empty") % {"column": column})
                return None
            try:
                return dt.date.fromisoformat(text.replace("/", "-"))
            except ValueError:
                errors.append(
                    _("bad date “%(value)s” in %(column)s (use YYYY-MM-DD)") % {"value": text, "column": column}
                )
                return None

        def number(column: str, required: bool = False) -> int | None:
            text = v.get(column, "").replace(",", "").replace("¥", "").replace("円", "")
            if not text:
                if required:
                    errors.append(_("%(column)s is empty") % {"column": column})
                return None
            try:
                value = int(text)
            except ValueError:
                errors.append(_("%(column)s “%(value)s” is not a whole number") % {"column": column, "value": text})
                return None
            if value < 0 or value > MAX_AMOUNT:
                errors.append(_("%(column)s %(value)s is out of range") % {"column": column, "value": f"{value:,}"})
                return None
            return value

        day = date("date", required=True)
        member = self.members.get(v.get("member", ""))
        if member is None:
            errors.append(_("unknown member “%(name)s”") % {"name": v.get("member", "")})
        merchant = v.get("merchant", "")
        if not merchant:
            errors.append(_("merchant is empty"))
        amount = number("amount", required=True)
        if amount == 0:
            errors.append(_("amount must be more than 0 yen"))
        excl = number("amount_excl_tax")
        method = v.get("method", "")
        if method not in self.catalog.methods:
            errors.append(_("unknown card or payment method “%(method)s”") % {"method": method})
        channel = v.get("channel") or Channel.STORE
        if channel not in (Channel.STORE, Channel.ONLINE):
            errors.append(_("channel must be store or online, not “%(value)s”") % {"value": channel})
        spent = number("points_spent") or 0
        account = None
        if spent:
            program = v.get("points_program", "")
            account = self.accounts.get((member.pk if member else None, program))
            if account is None:
                errors.append(
                    _("%(member)s has no %(program)s account to spend points from")
                    % {"member": v.get("member", ""), "program": program or "?"}
                )
        coupons = self._coupons(v.get("coupons", ""), errors)
        items, shipped = self._items(v.get("items", ""), errors)
        expected = date("expected_ship_on")
        cancelled = date("cancelled_on")
        if errors:
            return None, errors
        facts = posting.Facts(
            member=member,
            day=day,
            merchant_name=merchant,
            amount=amount,
            method=method,
            channel=channel,
            amount_excl_tax=excl,
            funding=v.get("funding", ""),
            coupons=coupons,
            points_spent=spent,
            points_account=account,
            items=items,
            shipped_on=shipped,
            expected_ship_on=expected,
            note=v.get("note", "")[:300],
        )
        canonical = "\x1f".join(v.get(c, "") for c in COLUMNS)
        same = hashlib.sha256(canonical.encode()).digest()
        self.seen[same] += 1
        key = hashlib.sha256(f"{canonical}\x1e{self.seen[same]}".encode()).hexdigest()
        return Row(line, facts, cancelled, key), []

    def _coupons(self, text: str, errors: list[str]) -> tuple[Coupon, ...]:
        coupons = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            kind, _sep, rest = part.partition(":")
            value, _at, expires = rest.partition("@")
            try:
                if kind not in ("yen", "percent"):
                    raise ValueError
                coupons.append(Coupon(kind, int(value), dt.date.fromisoformat(expires) if expires else None))
            except ValueError:
                errors.append(_("bad coupon “%(value)s” (use yen:500 or percent:10)") % {"value": part})
        return tuple(coupons)

    def _items(self, text: str, errors: list[str]) -> tuple[tuple[Item, ...], tuple[dt.date | None, ...]]:
        items, shipped = [], []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            fields = [f.strip() for f in part.split("|")] + ["", "", ""]
            name, price, flags, ship = fields[:4]
            flag_set = frozenset(filter(None, flags.split("+")))
            unknown = flag_set - set(ITEM_FLAGS)
            try:
                items.append(Item(int(price), flag_set, name))
                shipped.append(dt.date.fromisoformat(ship) if ship else None)
            except ValueError:
                errors.append(_("bad item “%(value)s” (use name|price|flags|shipped_on)") % {"value": part})
                continue
            if unknown:
                errors.append(_("unknown item flag(s): %(flags)s") % {"flags": ", ".join(sorted(unknown))})
        return tuple(items), tuple(shipped)


def check(household: Household, source: Iterable[bytes], sample: int = 20) -> Checked:
    """Every row checked, nothing saved: the preview."""
    result = Checked()
    for _line, row in _new_rows(Reader(household), source, result):
        if len(result.sample) < sample:
            result.sample.append(row)
    return result


def _new_rows(reader: Reader, source: Iterable[bytes], result: Checked) -> Iterator[tuple[int, Row]]:
    """The file's rows without a mistake that were not imported before, with their lines. Every row is
    counted in `result`, and every mistake recorded there with its line: a bad row, a bad header or
    encoding, a file that is not CSV."""
    existing = _existing_keys(reader.household)
    try:
        for line, row, errors in reader.rows(decoded_lines(source)):
            result.rows += 1
            if errors:
                result.errors.extend((line, e) for e in errors)
            elif row.key in existing:
                result.duplicates += 1
            else:
                result.new += 1
                yield line, row
    except ImportRefused as refused:
        result.errors.extend(refused.errors)
    except csv.Error as error:
        result.errors.append((0, _("not a readable CSV file: %(error)s") % {"error": error}))


def _existing_keys(household: Household) -> set[str]:
    return set(household.scoped(Purchase).exclude(import_key="").values_list("import_key", flat=True))


def apply(household: Household, source: Iterable[bytes], *, by=None) -> Checked:
    """Post every new row, or none: raises ImportRefused with every mistake and its line."""
    steps = apply_steps(household, source, by=by)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def apply_steps(household: Household, source: Iterable[bytes], *, by=None) -> Generator[int, None, Checked]:
    """`apply`, yielding the number of rows posted every 500 rows (the web page shows the progress).

    The file is read once: each row is checked and, while no row before it had a mistake, posted, all
    in one transaction. After a mistake (a bad value, or a row the ledger refuses) nothing more is
    posted but the rest of the file is still checked, so every mistake is reported with its line; then
    the transaction rolls back and the household is as it was. Closing the generator half-way (the
    browser went away) rolls everything back too."""
    reader = Reader(household)
    result = Checked()
    done = 0
    with transaction.atomic():
        session = posting.Session(reader.catalog)  # the household's context, read once for every row
        for line, row in _new_rows(reader, source, result):
            if result.errors:
                continue  # checked, not posted: the import will not be kept
            try:
                purchase = posting.log_purchase(row.facts, by=by, import_key=row.key, session=session)
                if row.cancelled_on:
                    posting.cancel(purchase, by=by, on=row.cancelled_on, session=session)
            except ValidationError as refused:
                result.errors.extend((line, message) for message in refused.messages)
                continue
            # No need to remember the key: a file's keys differ (each counts the identical rows before it).
            done += 1
            if done % 500 == 0:
                yield done
        if result.errors:
            raise ImportRefused(result.errors)  # rolls the transaction back
        session.flush()  # the monthly summaries, in the same transaction as the movements
    return result


def export(household: Household) -> Iterator[str]:
    """The household's purchases in the import format, oldest first, one CSV line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(COLUMNS)
    purchases = (
        household.scoped(Purchase)
        .select_related("member", "method", "points_account__program")
        .prefetch_related("items")
        .order_by("day", "id")
    )
    for p in purchases.iterator(chunk_size=2000):
        yield line(
            [
                p.day.strftime(DATE),
                p.member.name,
                p.merchant_name,
                p.amount,
                "" if p.amount_excl_tax is None else p.amount_excl_tax,
                p.method.slug,
                p.channel,
                p.funding,
                ";".join(
                    f"{c['kind']}:{c['value']}" + (f"@{c['expires_on']}" if c.get("expires_on") else "")
                    for c in p.coupons
                ),
                p.points_spent or "",
                p.points_account.program.slug if p.points_account else "",
                ";".join(
                    f"{i.name}|{i.price}|{'+'.join(i.flags)}|{i.shipped_on.strftime(DATE) if i.shipped_on else ''}"
                    for i in p.items.all()
                ),
                p.expected_ship_on.strftime(DATE) if p.expected_ship_on else "",
                p.cancelled_on.strftime(DATE) if p.cancelled_on else "",
                p.note,
            ]
        )
