"""Every query is bounded: a slow one by PostgreSQL's own statement_timeout, after which the
connection lives on. (A hung server, which only the client's bound can end, is a drill:
drills/test_postgres.py.)"""

import time

import pytest


@pytest.mark.django_db
def test_a_slow_query_is_cancelled_by_postgresql_and_the_connection_lives_on():
    """A server that runs but is slow: its own statement_timeout ends the query and the
    connection stays usable (the client's bound, a second later, is for a server that hangs)."""
    from django.db import OperationalError, connections

    from project.postgresql.base import DatabaseWrapper

    settings = connections["default"].settings_dict
    bounded = DatabaseWrapper(
        {**settings, "OPTIONS": {**settings["OPTIONS"], "query_timeout": 1}}, alias="bounded"
    )
    try:
        with bounded.cursor() as cursor:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                cursor.execute("SELECT pg_sleep(5)")
            assert time.monotonic() - started < 1 + 1
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        bounded.close()


@pytest.mark.django_db
def test_an_unbounded_transaction_outlasts_both_bounds_and_the_connection_keeps_them():
    """Bulk work (seeding) runs longer than the bounds in unbounded_transaction(); before and
    after it the same connection is bounded again, by the server and by the client."""
    from django.db import OperationalError, connections

    from project.postgresql.base import DatabaseWrapper, unbounded_transaction

    settings = connections["default"].settings_dict
    connections["bounded"] = DatabaseWrapper(
        {**settings, "OPTIONS": {**settings["OPTIONS"], "query_timeout": 1}}, alias="bounded"
    )
    try:
        bounded = connections["bounded"]
        with unbounded_transaction(using="bounded"), bounded.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2.2)")  # past the server's 1 s and the client's 2 s
        with bounded.cursor() as cursor, pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2.2)")
        assert connections["bounded"].connection.query_seconds == 2
    finally:
        connections["bounded"].close()
        del connections["bounded"]
