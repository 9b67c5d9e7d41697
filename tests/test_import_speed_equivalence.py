"""The import shares one posting session over the whole file; what it writes must be exactly what
posting the rows one by one (`log_purchase` / `cancel`, each reading its own context) writes."""

import datetime as dt
from io import StringIO

import pytest

from transactions import posting
from transactions.csv_io import BytesSource, ImportRefused, Reader, apply, decoded_lines, export
from transactions.generate import generate
from transactions.models import OrderItem, Posting, Purchase, Revision, Use
from wallets import ledger
from wallets.models import Allocation, LinkedAccount, Lot, MonthlyEarning, Movement

pytestmark = pytest.mark.usefixtures("english")
TODAY = dt.date(2026, 11, 23)


def figures(household) -> dict[str, list]:
    """Every row the posting writes for the household, with keys that do not depend on primary keys
    (a row's rank among the household's rows of its table, an account's member and programme)."""
    accounts = {
        a.pk: (a.member.name, a.program.slug)
        for a in LinkedAccount.objects.filter(member__household=household).select_related("member", "program")
    }

    def ranks(queryset) -> dict[int, int]:
        return {pk: rank for rank, pk in enumerate(queryset.order_by("pk").values_list("pk", flat=True))}

    purchases = ranks(Purchase.objects.filter(household=household))
    revisions = ranks(Revision.objects.filter(purchase__household=household))
    movements = ranks(Movement.objects.filter(account__in=accounts))
    lots = ranks(Lot.objects.filter(account__in=accounts))
    return {
        "accounts": sorted(accounts.values()),
        "purchases": [
            (
                p.day,
                p.member.name,
                p.merchant_name,
                p.merchant_id,
                p.amount,
                p.amount_excl_tax,
                p.tax_rate_percent,
                p.method.slug,
                p.channel,
                p.funding,
                p.coupons,
                p.points_spent,
                accounts.get(p.points_account_id),
                p.expected_ship_on,
                p.cancelled_on,
                p.note,
                p.import_key,
            )
            for p in Purchase.objects.filter(household=household).select_related("member", "method").order_by("pk")
        ],
        "items": [
            (purchases[i.purchase_id], i.name, i.price, i.flags, i.shipped_on)
            for i in OrderItem.objects.filter(purchase__household=household).order_by("pk")
        ],
        "revisions": [
            (purchases[r.purchase_id], r.action, r.facts, r.explanation)
            for r in Revision.objects.filter(purchase__household=household).order_by("pk")
        ],
        "postings": [
            (purchases[p.purchase_id], revisions[p.revision_id], movements[p.movement_id], p.source, p.reversed)
            for p in Posting.objects.filter(purchase__household=household).order_by("pk")
        ],
        "uses": [
            (purchases[u.purchase_id], u.member.name, u.kind, u.key, u.period_start, u.amount)
            for u in Use.objects.filter(purchase__household=household).select_related("member").order_by("pk")
        ],
        "movements": [
            (
                accounts[m.account_id],
                m.kind,
                m.points,
                m.on,
                movements.get(m.reverses_id),
                m.note,
                m.reason,
            )
            for m in Movement.objects.filter(account__in=accounts).order_by("pk")
        ],
        "lots": [
            (
                accounts[lot.account_id],
                movements[lot.earned_by_id],
                lot.kind,
                lot.points,
                lot.remaining,
                lot.earned_on,
                lot.available_on,
                lot.expires_on,
                lot.void,
                lot.received_on,
                lot.promised,
            )
            for lot in Lot.objects.filter(account__in=accounts).order_by("pk")
        ],
        "allocations": [
            (movements[a.movement_id], lots[a.lot_id], a.points)
            for a in Allocation.objects.filter(movement__account__in=accounts).order_by("pk")
        ],
        "monthly": sorted(
            (accounts[e.account_id], e.month, e.points)
            for e in MonthlyEarning.objects.filter(account__in=accounts)
            if e.points
        ),
    }


def one_by_one(household, content: bytes) -> None:
    """The reference: every row through `log_purchase` (and `cancel`) on its own, no session shared."""
    reader = Reader(household)
    for _line, row, errors in reader.rows(decoded_lines(BytesSource(content))):
        assert not errors
        purchase = posting.log_purchase(row.facts, import_key=row.key)
        if row.cancelled_on:
            posting.cancel(purchase, on=row.cancelled_on)


@pytest.fixture
def history(db):
    """A generated household's purchases as a CSV: points spent, 楽天's chains, Amazon orders waiting
    for shipment, cancellations, caps, over several years."""
    source, _summary = generate("元の家", 1500, seed=7, years=3, today=TODAY, password="pw-source-1")
    content = "".join(export(source)).encode()
    assert content.count(b"\n") == 1501
    return content


def test_the_import_writes_exactly_what_posting_row_by_row_writes(history):
    imported, _ = generate("取り込み家", 0, seed=1, years=1, today=TODAY, password="pw-import-1")
    reference, _ = generate("一件ずつ家", 0, seed=1, years=1, today=TODAY, password="pw-refer-1")

    apply(imported, BytesSource(history))
    one_by_one(reference, history)

    fast, slow = figures(imported), figures(reference)
    assert len(slow["purchases"]) == 1500
    # The file has what makes the ledger interesting.
    assert any(p[14] for p in slow["purchases"]), "cancellations"
    assert any(p[11] for p in slow["purchases"]), "points spent"
    assert any(m[1] == "reverse" for m in slow["movements"]), "reversals"
    assert len({lot[7] for lot in slow["lots"] if lot[0][1] == "rakuten" and lot[2] == "normal"}) > 1, "chains"
    assert any(u[2] == "cap" for u in slow["uses"]), "caps used"
    for table in slow:
        assert fast[table] == slow[table], table
    assert ledger.ledger_differences() == []
    assert ledger.summary_differences() == []


def test_importing_in_two_parts_is_importing_at_once(history):
    """A session starting on a household with history reads it (uses of caps, accounts, lots) first."""
    lines = history.decode().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    parts, _ = generate("二回家", 0, seed=1, years=1, today=TODAY, password="pw-parts-1")
    whole, _ = generate("一回家", 0, seed=1, years=1, today=TODAY, password="pw-whole-1")

    apply(parts, BytesSource((header + "".join(rows[:700])).encode()))
    apply(parts, BytesSource(history))  # the first 700 rows are already there
    apply(whole, BytesSource(history))

    assert figures(parts) == figures(whole)
    assert ledger.ledger_differences() == []
    assert ledger.summary_differences() == []


def test_a_refused_row_late_in_the_file_changes_nothing(history):
    household, _ = generate("断られ家", 0, seed=1, years=1, today=TODAY, password="pw-refuse-1")
    before = figures(household)
    lines = history.decode().splitlines(keepends=True)
    spender = next(i for i, line in enumerate(lines) if ",rakuten," in line and i > 1000)
    fields = lines[spender].split(",")
    fields[3], fields[4] = "9999999", ""  # amount, amount_excl_tax
    fields[9], fields[10] = "9999999", "rakuten"  # points_spent, points_program
    lines[spender] = ",".join(fields)

    with pytest.raises(ImportRefused) as refused:
        apply(household, BytesSource("".join(lines).encode()))

    assert refused.value.errors[0][0] == spender + 1
    assert "points are available on" in refused.value.errors[0][1]
    assert figures(household) == before


def test_the_csv_round_trips_through_the_import(history):
    household, _ = generate("往復家", 0, seed=1, years=1, today=TODAY, password="pw-trip-1")
    apply(household, BytesSource(history))

    assert "".join(export(household)) == history.decode()
    assert StringIO(history.decode()).readline().startswith("date,member")
