"""`pointbook.bulk.insert` writes the same rows as `bulk_create`, on SQLite and on PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from pointbook.bulk import insert
from programs.models import EarningRule, LotKind
from tests.factories import LinkedAccountFactory, UserFactory
from wallets.models import CycleBonus, Lot, Movement

pytestmark = pytest.mark.django_db


def _ledger_rows(account, user):
    """Two grants and a reversal, built the way a batch builds them: lots name their movements
    before the movements are saved."""
    earn = Movement(account=account, kind=Movement.Kind.EARN, points=1234, on=dt.date(2026, 3, 31), reason="1% 楽天")
    bonus = Movement(account=account, kind=Movement.Kind.ADJUST, points=56, on=dt.date(2026, 4, 1), created_by=user)
    lots = [
        Lot(account=account, earned_by=earn, points=1234, remaining=1234, earned_on=dt.date(2026, 3, 31)),
        Lot(
            account=account,
            earned_by=bonus,
            kind=LotKind.PERIOD_LIMITED,
            points=56,
            remaining=0,
            earned_on=dt.date(2026, 4, 1),
            available_on=dt.date(2026, 5, 15),
            expires_on=dt.date(2026, 6, 30),
            void=True,
        ),
    ]
    return [earn, bonus], lots


def _stored(model, objs):
    skip = {"id", "created_at", "account", "earned_by", "reverses"}
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
    return list(model.objects.filter(pk__in=[o.pk for o in objs]).order_by("pk").values_list(*fields))


def test_insert_stores_what_bulk_create_stores():
    account = LinkedAccountFactory(program="rakuten")
    user = UserFactory()

    movements, lots = _ledger_rows(account, user)
    Movement.objects.bulk_create(movements)
    Lot.objects.bulk_create(lots)
    fast_movements, fast_lots = _ledger_rows(account, user)
    insert(Movement, fast_movements)
    insert(Lot, fast_lots)

    assert all(m.pk for m in fast_movements) and all(lot.pk for lot in fast_lots)
    assert _stored(Movement, fast_movements) == _stored(Movement, movements)
    assert _stored(Lot, fast_lots) == _stored(Lot, lots)
    # Each lot names its own movement, and the rows read back as saved ones.
    assert [Lot.objects.get(pk=lot.pk).earned_by_id for lot in fast_lots] == [m.pk for m in fast_movements]
    assert Movement.objects.get(pk=fast_movements[0].pk).kind == Movement.Kind.EARN
    assert Movement.objects.get(pk=fast_movements[1].pk).created_by == user
    assert fast_movements[0].created_at is not None
    assert not fast_lots[0]._state.adding


def test_insert_converts_decimals_and_dates():
    account = LinkedAccountFactory(program="dpoint")
    rule = EarningRule.objects.filter(program__slug="dpoint").first()
    bonus = CycleBonus(member=account.member, rule=rule, cycle_start=dt.date(2026, 11, 1), percent=Decimal("7.5"))
    insert(CycleBonus, [bonus])
    stored = CycleBonus.objects.get(pk=bonus.pk)
    assert (stored.cycle_start, stored.percent) == (dt.date(2026, 11, 1), Decimal("7.5"))


def test_insert_writes_many_statements_worth_of_rows_in_order():
    account = LinkedAccountFactory(program="rakuten")
    movements = [
        Movement(account=account, kind=Movement.Kind.EARN, points=n, on=dt.date(2026, 1, 1)) for n in range(1, 2501)
    ]
    insert(Movement, movements)
    assert len({m.pk for m in movements}) == 2500
    stored = dict(Movement.objects.filter(account=account).values_list("pk", "points"))
    assert all(stored[m.pk] == m.points for m in movements)


def test_a_row_naming_an_unsaved_row_is_refused():
    account = LinkedAccountFactory(program="rakuten")
    earn = Movement(account=account, kind=Movement.Kind.EARN, points=100, on=dt.date(2026, 3, 31))
    lot = Lot(account=account, earned_by=earn, points=100, remaining=100, earned_on=dt.date(2026, 3, 31))
    with pytest.raises(ValueError, match="earned_by is not saved"), transaction.atomic():
        insert(Lot, [lot])
    assert not Lot.objects.filter(account=account).exists()
