"""The dashboard's "spent this month" is read from one summary row per household and month, kept with the
purchases. Whatever a family logs, edits, cancels and imports, the summary equals the live purchases
summed again, and `check_ledger` says so (or names the month that differs)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import summary
from households.models import Household, Member
from transactions import csv_io, posting
from transactions.models import MonthlySpend, Purchase
from transactions.posting import Facts

D = dt.date
START = D(2026, 1, 20)

log_op = st.tuples(st.just("log"), st.integers(0, 1), st.integers(0, 80), st.integers(1, 300_000))
edit_op = st.tuples(st.just("edit"), st.integers(0, 40), st.integers(0, 80), st.integers(1, 300_000))
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 40))
import_op = st.tuples(
    st.just("import"), st.lists(st.tuples(st.integers(0, 80), st.integers(1, 50_000), st.booleans()), max_size=4)
)
histories = st.lists(st.one_of(log_op, edit_op, cancel_op, import_op), min_size=1, max_size=12)


def facts(member, offset: int, amount: int) -> Facts:
    return Facts(
        member=member,
        day=START + dt.timedelta(days=offset),
        merchant_name="東京ガス",
        amount=amount,
        method="amex-green",
    )


def csv_line(offset: int, amount: int, cancelled: bool) -> str:
    day = START + dt.timedelta(days=offset)
    cancelled_on = f"{day + dt.timedelta(days=1):%Y-%m-%d}" if cancelled else ""
    return f"{day:%Y-%m-%d},花子,東京ガス,{amount},amex-green,{cancelled_on}\n"


def spent_in(household: Household, month: D) -> int:
    return sum(
        p.amount
        for p in Purchase.objects.active().filter(household=household, day__year=month.year, day__month=month.month)
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
def test_the_month_spend_equals_the_live_purchases_after_any_history(history):
    with transaction.atomic():
        household = Household.objects.create(name="乱数家")
        members = [Member.objects.create(household=household, name=name) for name in ("一郎", "花子")]
        for op in history:
            live = list(Purchase.objects.active().filter(household=household).order_by("pk"))
            match op:
                case ("log", who, offset, amount):
                    posting.log_purchase(facts(members[who], offset, amount))
                case ("edit", index, offset, amount) if live:
                    chosen = live[index % len(live)]
                    posting.revise(chosen, facts(chosen.member, offset, amount), on=START)
                case ("cancel", index) if live:
                    posting.cancel(live[index % len(live)], on=START)
                case ("import", rows):
                    # an imported row may come cancelled (the next day, perhaps in the next month)
                    text = "date,member,merchant,amount,method,cancelled_on\n" + "".join(
                        csv_line(offset, amount, cancelled) for offset, amount, cancelled in rows
                    )
                    csv_io.apply(household, csv_io.BytesSource(text.encode()))
        assert MonthlySpend.objects.differences() == []
        for offset in (0, 15, 45, 75):
            month = (START + dt.timedelta(days=offset)).replace(day=1)
            board = summary._months(household, summary.get_catalog(), month)
            assert board["month_spend"] == spent_in(household, month)
        transaction.set_rollback(True)


@pytest.fixture
def tokyo_june(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 20, 12, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)


def test_the_dashboard_spend_follows_edits_and_cancellations(tokyo_june, as_alice, cast):
    """¥12,000 and ¥3,300 in June; the first moved to May (¥8,000), the second cancelled: June shows ¥0."""
    gas = posting.log_purchase(Facts(cast.alice, D(2026, 6, 3), "東京ガス", 12_000, "amex-green"))
    book = posting.log_purchase(Facts(cast.bob, D(2026, 6, 10), "紀伊國屋書店", 3_300, "amex-green"))
    assert as_alice.get("/").context["board"].month_spend == 15_300

    posting.revise(gas, Facts(cast.alice, D(2026, 5, 28), "東京ガス", 8_000, "amex-green"))
    posting.cancel(book)

    board = as_alice.get("/").context["board"]
    assert board.month_spend == 0
    assert board.effective_rate is None  # nothing spent: no rate rather than a division by zero
    assert MonthlySpend.objects.get(household=cast.yamada, month=D(2026, 5, 1)).yen == 8_000
    assert MonthlySpend.objects.differences() == []


def test_check_ledger_names_a_month_whose_spend_differs(cast):
    posting.log_purchase(Facts(cast.alice, D(2026, 6, 3), "東京ガス", 12_000, "amex-green"))
    MonthlySpend.objects.filter(household=cast.yamada).update(yen=11_000)

    out = StringIO()
    with pytest.raises(CommandError, match="1 monthly spend"):
        call_command("check_ledger", stdout=out)
    assert f"household {cast.yamada.pk}, 2026-06: spend ¥11,000, purchases say ¥12,000" in out.getvalue()
