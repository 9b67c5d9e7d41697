"""Before it times anything, the benchmark leaves PostgreSQL's autovacuum nothing to catch up on: it
would otherwise vacuum the generated history in the middle of the timings, on the same two cores."""

import io

import pytest
from django.db import connection

from dashboard.management.commands.benchmark import Command


# VACUUM cannot run inside a transaction; serialized_rollback hands the next tests the catalog back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_vacuums_and_analyzes_postgresql_before_timing():
    out = io.StringIO()
    Command(stdout=out).settle()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NULL OR last_analyze IS NULL")
            assert cursor.fetchall() == []  # every table, the ledger's included
        assert out.getvalue().startswith("settled     VACUUM (ANALYZE) in ")
    else:
        assert out.getvalue() == ""  # SQLite does no such work in the background
