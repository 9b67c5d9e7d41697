"""`pointbook.bulk.insert` writes the same rows as `bulk_create`, on SQLite and on PostgreSQL, and
`pointbook.bulk.new` builds the same instances as the model's own constructor."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from pointbook.bulk import insert, new
from programs.models import EarningRule, LotKind
from tests.factories import LinkedAccountFactory, UserFactory
from transactions.models import OrderItem, Posting, Purchase, Revision, Use
from wallets.models import Allocation, CycleBonus, Lot, Movement

pytestmark = pytest.mark.django_db


def _constructed(model, **values):
    return model(**values)


def _ledger_rows(account, user, make=_constructed):
    """Two grants, built the way a batch builds them: lots name their movements before the movements
    are saved."""
    earn = make(
        Movement,
        account=account,
        kind=Movement.Kind.EARN,
        points=1234,
        on=dt.date(2026, 3, 31),
        reason="1% 楽天",
        note='「引用符 " と {波括弧}, カンマ\\」',  # what an array literal would have to escape
    )
    bonus = make(
        Movement, account=account, kind=Movement.Kind.ADJUST, points=56, on=dt.date(2026, 4, 1), created_by=user
    )
    lots = [
        make(Lot, account=account, earned_by=earn, points=1234, remaining=1234, earned_on=dt.date(2026, 3, 31)),
        make(
            Lot,
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
    fast_movements, fast_lots = _ledger_rows(account, user, make=new)
    before = timezone.now()
    insert(Movement, fast_movements)
    insert(Lot, fast_lots)
    after = timezone.now()

    assert all(m.pk for m in fast_movements) and all(lot.pk for lot in fast_lots)
    assert _stored(Movement, fast_movements) == _stored(Movement, movements)
    assert _stored(Lot, fast_lots) == _stored(Lot, lots)
    # Each lot names its own movement, and the rows read back as saved ones.
    assert [Lot.objects.get(pk=lot.pk).earned_by_id for lot in fast_lots] == [m.pk for m in fast_movements]
    assert Movement.objects.get(pk=fast_movements[0].pk).kind == Movement.Kind.EARN
    assert Movement.objects.get(pk=fast_movements[1].pk).created_by == user
    # The creation time is set on the rows and stored as it is, as pre_save does: one time per statement.
    stamped = {m.created_at for m in fast_movements}
    assert len(stamped) == 1 and before <= stamped.pop() <= after
    stored_times = Movement.objects.filter(pk__in=[m.pk for m in fast_movements]).values_list("created_at", flat=True)
    assert set(stored_times) == {fast_movements[0].created_at}
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


def _built(obj):
    """What a constructor put in an instance: its attributes, its state and the rows it caches."""
    state = obj._state
    return (
        {name: value for name, value in vars(obj).items() if name != "_state"},
        (state.adding, state.db),
        {name: related for name, related in state.fields_cache.items()},
    )


def test_new_builds_what_the_model_builds():
    """Every row a purchase's posting builds, built both ways from the same values (related rows
    saved and not yet saved, defaults left out, keys given by attname)."""
    account = LinkedAccountFactory(program="amazon")
    member, user = account.member, UserFactory()
    day = dt.date(2026, 11, 24)
    saved_purchase = Purchase.objects.create(
        household=member.household, member=member, day=day, merchant_name="Amazon", amount=3000, method_id=1
    )
    examples = [
        (Purchase, dict(household_id=member.household_id, member=member, day=day, merchant_name="Amazon",
                        merchant_id=None, amount=3000, method_id=1, coupons=[], points_account=account,
                        created_by=None, import_key="k1")),
        (Purchase, dict(household=member.household, member=member, day=day, merchant_name="西友", amount=500,
                        method_id=1)),
        (OrderItem, dict(purchase=saved_purchase, name="本", price=1200, flags=["gift"], shipped_on=None)),
        (Revision, dict(purchase=saved_purchase, action=Revision.Action.CREATED, facts={"amount": 3000},
                        created_by=user)),
        (Use, dict(purchase=saved_purchase, member=member, kind="cap", key="amex", period_start=day, amount=3000)),
        (Movement, dict(account=account, kind=Movement.Kind.SPEND, points=-40, on=day, created_by=None, note="x",
                        reason="", reverses=None)),
        (Allocation, dict(movement_id=7, lot_id=9, points=-40)),
    ]  # fmt: skip
    for model, values in examples:
        assert _built(new(model, **values)) == _built(model(**values)), model.__name__

    # A relation to a row not saved yet: its key is None, the row is cached, and a one-to-one relation
    # is cached on the other side too (the movement knows its lot and its posting).
    for make in (new, _constructed):
        movement = Movement(account=account, kind=Movement.Kind.EARN, points=30, on=day)
        revision = Revision(purchase=saved_purchase, action=Revision.Action.CREATED, facts={})
        lot = make(Lot, account=account, earned_by=movement, points=30, remaining=30, earned_on=day)
        posting = make(Posting, purchase=saved_purchase, revision=revision, movement=movement, source="card:x")
        assert (lot.earned_by_id, lot.earned_by, movement.lot) == (None, movement, lot)
        assert (posting.revision, posting.movement, movement.posting) == (revision, movement, posting)
        assert (lot.kind, lot.void, lot.promised, posting.reversed) == (LotKind.NORMAL, False, False, False)

    # Defaults made by a callable are made per instance, not shared.
    first, second = new(OrderItem, purchase=saved_purchase, price=1), new(OrderItem, purchase=saved_purchase, price=2)
    first.flags.append("gift")
    assert second.flags == []


def test_new_refuses_what_the_model_refuses():
    account = LinkedAccountFactory(program="rakuten")
    with pytest.raises(ValueError, match='must be a "Movement" instance'):
        new(Lot, account=account, earned_by=account, points=1, remaining=1, earned_on=dt.date(2026, 1, 1))
    with pytest.raises(TypeError, match="unexpected keyword"):
        new(Lot, account=account, pointz=1)
