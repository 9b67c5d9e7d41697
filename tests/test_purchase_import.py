"""CSV import of purchases: all or nothing, both encodings, no duplicates, and the export round trip."""

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from households.models import Member
from transactions.csv_io import COLUMNS, BytesSource, ImportRefused, apply, check, export
from transactions.models import Purchase
from wallets import ledger
from wallets.balances import balances_on

from .factories import HouseholdFactory, LinkedAccountFactory, MemberFactory

pytestmark = pytest.mark.usefixtures("english")
HEADER = ",".join(COLUMNS)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "purchases.csv"


def csv_bytes(*rows: str, encoding: str = "utf-8") -> bytes:
    return "\n".join([HEADER, *rows, ""]).encode(encoding)


def row(
    date="2026-06-01",
    member="アリス",
    merchant="楽天市場",
    amount="2200",
    excl="2000",
    method="rakuten-pay",
    channel="online",
    **extra,
):
    values = {
        "date": date,
        "member": member,
        "merchant": merchant,
        "amount": amount,
        "amount_excl_tax": excl,
        "method": method,
        "channel": channel,
        **extra,
    }
    return ",".join(values.get(c, "") for c in COLUMNS)


def snapshot() -> dict:
    """Every row of every table of the apps that hold household data."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for label in ("transactions", "wallets", "households")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def household_figures(household, day):
    return [
        (f.program.slug, f.available, f.pending_total, [(e.points, e.expires_on) for e in f.expiring])
        for f in balances_on(household, day).household
    ]


def test_a_good_file_imports_and_posts_the_points(cast):
    LinkedAccountFactory(member=cast.alice, program="rakuten")
    LinkedAccountFactory(member=cast.bob, program="rakuten")
    apply(cast.yamada, BytesSource(csv_bytes(row(coupons="yen:500"), row(member="ボブ", amount="5500", excl="5000"))))

    assert Purchase.objects.filter(household=cast.yamada).count() == 2
    assert {f[0]: f[1] for f in household_figures(cast.yamada, dt.date(2026, 6, 22))}["rakuten"] == 15 + 50


def test_a_bad_file_is_refused_with_every_line_and_changes_nothing(cast):
    before = snapshot()
    content = csv_bytes(
        row(),
        row(date="2026-13-01"),
        row(member="知らない人"),
        row(method="no-such-card"),
        row(amount="-5"),
        row(amount="999999999999"),
        row(channel="mail"),
    )

    with pytest.raises(ImportRefused) as refused:
        apply(cast.yamada, BytesSource(content))

    assert [line for line, _message in refused.value.errors] == [3, 4, 5, 6, 7, 8]
    messages = dict(refused.value.errors)
    assert messages[3] == "bad date “2026-13-01” in date (use YYYY-MM-DD)"
    assert messages[4] == "unknown member “知らない人”"
    assert messages[5] == "unknown card or payment method “no-such-card”"
    assert messages[6] == "amount -5 is out of range"
    assert messages[7] == "amount 999,999,999,999 is out of range"
    assert snapshot() == before


def test_a_missing_column_is_reported_on_the_header_line(cast):
    content = "date,member,merchant,method\n2026-06-01,アリス,楽天市場,rakuten-pay\n".encode()

    result = check(cast.yamada, BytesSource(content))

    assert result.errors == [(1, "missing column(s): amount")]


def test_a_row_the_ledger_refuses_rolls_back_the_whole_file(cast):
    LinkedAccountFactory(member=cast.alice, program="rakuten")
    before = snapshot()
    content = csv_bytes(row(), row(points_spent="500", points_program="rakuten"))

    with pytest.raises(ImportRefused) as refused:
        apply(cast.yamada, BytesSource(content))

    assert refused.value.errors[0][0] == 3
    assert "Only 0" in refused.value.errors[0][1]
    assert snapshot() == before


def test_after_a_row_the_ledger_refuses_the_rest_of_the_file_is_still_checked(cast):
    """The file is read once: posting stops at the refused row, but a later mistake is reported with it."""
    LinkedAccountFactory(member=cast.alice, program="rakuten")
    before = snapshot()
    content = csv_bytes(row(), row(points_spent="500", points_program="rakuten"), row(), row(date="2026-06-31"))

    with pytest.raises(ImportRefused) as refused:
        apply(cast.yamada, BytesSource(content))

    assert [line for line, _message in refused.value.errors] == [3, 5]
    assert refused.value.errors[0][1].startswith("Only 0 楽天ポイント points are available on 2026-06-01; 500")
    assert refused.value.errors[1][1] == "bad date “2026-06-31” in date (use YYYY-MM-DD)"
    assert snapshot() == before


def test_bad_bytes_are_refused_with_their_line(cast):
    content = csv_bytes(row()) + b"2026-06-02,\xff\xfe\xfa,x,1,,jcb,store\n"

    result = check(cast.yamada, BytesSource(content))

    assert result.errors == [(3, "The file is neither UTF-8 nor Shift_JIS (cp932).")]


def test_a_shift_jis_file_imports(cast):
    apply(cast.yamada, BytesSource(csv_bytes(row(note="ポイント"), encoding="cp932")))

    purchase = Purchase.objects.get(household=cast.yamada)
    assert (purchase.merchant_name, purchase.member, purchase.note) == ("楽天市場", cast.alice, "ポイント")


def test_importing_the_same_file_twice_adds_nothing_but_identical_rows_in_one_file_count(cast):
    content = csv_bytes(
        row(merchant="スターバックス", amount="500", excl="", method="jcb"),
        row(merchant="スターバックス", amount="500", excl="", method="jcb"),
    )

    apply(cast.yamada, BytesSource(content))
    again = apply(cast.yamada, BytesSource(content))

    assert Purchase.objects.filter(household=cast.yamada).count() == 2
    assert (again.new, again.duplicates) == (0, 2)


def test_export_then_import_into_an_empty_household_gives_identical_balances(cast):
    dpoint = LinkedAccountFactory(member=cast.alice, program="dpoint", amazon_link=True)
    ledger.earn(dpoint, 1000, dt.date(2026, 5, 1), available_on=dt.date(2026, 5, 1))
    apply(
        cast.yamada,
        BytesSource(
            csv_bytes(
                row(coupons="yen:500"),
                row(merchant="Amazon", amount="15000", excl="", method="amex-green", items="本|15000||2026-06-05"),
                row(
                    merchant="Amazon",
                    amount="3000",
                    excl="",
                    method="amex-green",
                    items="CD|3000||2026-06-09",
                    points_spent="400",
                    points_program="dpoint",
                ),
                row(
                    member="ボブ",
                    merchant="東京ガス",
                    amount="10000",
                    excl="",
                    method="amex-gold-preferred",
                    channel="store",
                ),
                row(amount="5500", excl="5000", cancelled_on="2026-06-03"),
            )
        ),
    )
    exported = "".join(export(cast.yamada)).encode()

    copy = HouseholdFactory(name="写し")
    alice2 = MemberFactory(household=copy, name="アリス")
    MemberFactory(household=copy, name="ボブ")
    dpoint2 = LinkedAccountFactory(member=alice2, program="dpoint", amazon_link=True)
    ledger.earn(dpoint2, 1000, dt.date(2026, 5, 1), available_on=dt.date(2026, 5, 1))
    apply(copy, BytesSource(exported))

    for day in (dt.date(2026, 6, 1), dt.date(2026, 6, 10), dt.date(2026, 7, 1), dt.date(2027, 3, 1)):
        assert household_figures(copy, day) == household_figures(cast.yamada, day)
    assert "".join(export(copy)) == exported.decode()


def test_the_example_file_in_the_repo_imports(db):
    household = HouseholdFactory(name="例の家")
    MemberFactory(household=household, name="太郎")
    MemberFactory(household=household, name="花子")

    call_command("import_purchases", "--household", "例の家", str(EXAMPLE))

    assert Purchase.objects.filter(household=household).count() == 5


def test_the_command_reports_bad_rows_and_exits_2(cast, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(row(member="誰")))

    with pytest.raises(CommandError) as failed:
        call_command("import_purchases", "--household", "山田家", str(bad))

    assert failed.value.returncode == 2
    assert "line 2: unknown member “誰”" in capsys.readouterr().err
    assert not Member.objects.filter(name="誰").exists()
