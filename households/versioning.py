"""Every committed write to the data renews `DataVersion`'s token, whatever wrote it.

A connection's execute wrapper (installed on every new connection by `HouseholdsConfig.ready`) sees
each statement Django sends, so ORM saves, queryset updates and deletes, `bulk_create`,
`pointbook.bulk.insert` and raw cursors are all seen: no write path has to remember to say that it
changed something. A statement that writes (INSERT, REPLACE, MERGE, UPDATE, DELETE, TRUNCATE) to
any table but those that no page is built from (sessions, logins, the admin's log, task results, the
version itself) asks for a renewal once its transaction commits: once per transaction, on the same
terms as `transaction.on_commit` (a rolled-back transaction or savepoint renews nothing, as it changed
nothing; outside a transaction, at once).

Writes of rows derived from watched ones (the balance snapshots a reader rebuilds from the ledger)
are made inside `derived()`: they change nothing a page shows, so they renew nothing.

After the commit, not inside the transaction: an UPDATE of the one row inside every writer's
transaction would hold its lock until that commit, so one family's long import would stop every
other family's writes, and writers that lock accounts in another order would deadlock on it. A
reader that checks the token between a commit and its renewal reads the new data under the old
token; the renewal then retires it, so nothing is kept stale. If the process dies in between, the
dashboard's entries also expire by age (`DASHBOARD_CACHE_SECONDS`).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|MERGE\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+\"?(\w+)",
    re.I,
)
# Tables no page is built from: a login, a session or a finished task is not a change of the data.
UNWATCHED = (
    "django_session",
    "auth_user",
    "django_admin_log",
    "django_tasks",
    "django_migrations",
    "households_dataversion",
)


def writes_data(sql: str) -> bool:
    """Does the statement write to a table pages are built from?"""
    if not isinstance(sql, str):
        return True  # a composed statement we cannot read: count it as a change, to be safe
    found = WRITE.match(sql)
    return bool(found) and not found.group(1).lower().startswith(UNWATCHED)


class Renewal:
    """The callback that renews the token after a commit, one per connection, so a transaction's
    many writes register it once (`on_commit` keeps it while its savepoint is not rolled back)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def __call__(self) -> None:
        from .models import DataVersion

        try:
            DataVersion.renew(using=self.alias)  # the database that was written to
        except DatabaseError:
            if DataVersion._meta.db_table in connections[self.alias].introspection.table_names():
                raise
            # Migrations that run before the table is made: nothing has been built from the data yet.

    def register(self) -> None:
        connection = connections[self.alias]
        if connection.in_atomic_block and any(func is self for _sids, func, _robust in connection.run_on_commit):
            return
        # robust: the data is committed whatever happens here; a failed renewal is logged, and the
        # dashboard's entries still expire by age.
        connection.on_commit(self, robust=True)


def watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    connection = context["connection"]
    if not connection.data_derived and writes_data(sql):
        connection.data_renewal.register()
    return result


@contextmanager
def derived(using: str = DEFAULT_DB_ALIAS):
    """Writes of rows that are a function of rows already watched (the balance snapshots, rebuilt from
    the ledger by the first reader after a ledger write): they change nothing any page shows, so they
    do not retire the pages built meanwhile. Without this, the look that rebuilt the snapshots retired
    its own page, and the next look built it again. Not for anything a page can show that the watched
    rows do not already determine."""
    connection = connections[using]
    outer = getattr(connection, "data_derived", False)
    connection.data_derived = True
    try:
        yield
    finally:
        connection.data_derived = outer


def install(sender=None, connection=None, **kwargs) -> None:
    """`connection_created` receiver: watch the connection's statements (once per connection object)."""
    if not hasattr(connection, "data_derived"):  # `derived` may have set it before the connection opened
        connection.data_derived = False
    if watch not in connection.execute_wrappers:
        connection.data_renewal = Renewal(connection.alias)
        connection.execute_wrappers.append(watch)
