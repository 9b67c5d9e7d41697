"""`planned_for_values()`: queries whose best plan depends on whose rows they ask for, planned each time.

On PostgreSQL psycopg prepares a query the fifth time a connection runs it (server-side binding,
`PG_PREPARE_THRESHOLD` in the settings), and PostgreSQL may then run it from a generic plan, one made
without the parameters' values, as if every account held the same share of every table. For most of
pointbook's queries that plan is the one the values would give. For a few it is not: "has this
account a movement after this day, other than an earning?" (LIMIT 1) became a walk through every
household's movements after the day (index `movement_day`), expecting to meet one of the account's
soon: 240 ms instead of 0.04 ms in a database of a million purchases, and a third of the time of an
import there that cancels purchases. Inside `planned_for_values()` psycopg does not prepare, so
PostgreSQL plans each of those queries with its values. SQLite plans every statement with its values
anyway: there it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def planned_for_values(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None  # psycopg: prepare nothing (statements prepared already are not used)
    try:
        yield
    finally:
        raw.prepare_threshold = threshold
