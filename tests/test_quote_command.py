import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def quote(capsys, *args):
    call_command("quote", *args)
    return capsys.readouterr().out


def test_quote_ranks_every_catalog_card_as_json(db, capsys):
    rows = json.loads(quote(capsys, "--merchant", "東京ガス", "--amount", "10000", "--date", "2025-06-01", "--json"))
    by_card = {r["card"]: r for r in rows}
    assert by_card["amex-green"]["points"] == 50
    assert by_card["amex-green"]["treatment"] == "half"
    assert by_card["marriott-amex-premium"]["points"] == 150
    assert by_card["dcard"]["points"] == 100
    assert rows == sorted(rows, key=lambda r: -r["value_yen"])
    assert set(rows[0]) >= {"card", "program", "points", "rate", "reason"}
    assert isinstance(rows[0]["rate"], float)
    assert "還元半分" in by_card["amex-green"]["reason"]


def test_quote_with_mr_plus(db, capsys):
    rows = json.loads(
        quote(capsys, "--merchant", "Amazon", "--amount", "10000", "--card", "amex-green", "--mr-plus", "--json")
    )
    assert rows[0]["points"] == 300
    assert rows[0]["rate"] == 3.0


def test_an_unknown_merchant_is_ordinary_and_the_reason_says_so(db, capsys):
    rows = json.loads(quote(capsys, "--merchant", "近所のパン屋", "--amount", "1000", "--card", "amex-green", "--json"))
    assert rows[0]["points"] == 10
    assert "近所のパン屋" in rows[0]["reason"]


def test_an_unknown_card_is_a_clear_error_with_exit_code_2(db):
    with pytest.raises(CommandError) as error:
        call_command("quote", "--merchant", "東京ガス", "--amount", "1000", "--card", "no-such-card")
    assert error.value.returncode == 2
    assert "no-such-card" in str(error.value)
