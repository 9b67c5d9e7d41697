import os

from django.db import connection


def test_the_suite_runs_on_the_database_the_leg_asked_for(db):
    # bin/test runs the suite twice and names the database each time; a PostgreSQL leg that
    # silently fell back to SQLite fails here instead of passing.
    expected = os.environ.get("POINTBOOK_EXPECT_DB")
    if expected is None:
        assert connection.vendor in ("sqlite", "postgresql")
    else:
        assert connection.vendor == expected
