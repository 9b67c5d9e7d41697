"""A cancelled purchase's pending points are taken back by a query that asks about one account's later
movements. On PostgreSQL it is planned with its values every time (`pointbook.plans`): prepared, its
generic plan walked every household's movements after the day, 240 ms a cancellation in a database of
a million purchases. SQLite plans every statement with its values."""

import datetime as dt

import pytest
from django.db import connection

from wallets import ledger
from wallets.models import Lot, Movement

from .factories import LinkedAccountFactory

D = dt.date
LATER_MOVEMENTS = (
    '%FROM "wallets_movement" WHERE ("wallets_movement"."account_id" = $_ AND "wallets_movement"."on" > $_ %'
)


def prepared_later_movements() -> int:
    """Statements prepared on this connection that ask for an account's movements after a day."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [LATER_MOVEMENTS])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_taking_back_pending_points_asks_about_later_movements_without_a_prepared_plan(cast):
    account = LinkedAccountFactory(member=cast.alice, program="rakuten")
    pending = [ledger.earn(account, 10 + n, D(2026, 5, 1 + n), available_on=D(2026, 6, 10 + n)) for n in range(8)]

    for movement in pending:  # more often than psycopg's prepare threshold (5)
        ledger.reverse(movement, movement.on)

    # Each was pending and untouched, with nothing taken from the account after it: its lot is voided.
    assert list(Lot.objects.filter(account=account).values_list("void", flat=True)) == [True] * 8
    assert sum(Movement.objects.filter(account=account).values_list("points", flat=True)) == 0
    if connection.vendor == "postgresql":
        assert connection.connection.prepare_threshold == 5  # prepared statements are on
        assert prepared_later_movements() == 0
        # The same query outside `planned_for_values` is prepared: what the count above would have seen.
        later = Movement.objects.filter(account=account, on__gt=D(2026, 5, 1)).exclude(kind=Movement.Kind.EARN)
        for _ in range(8):
            later.exists()
        assert prepared_later_movements() == 1
