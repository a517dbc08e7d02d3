"""Why DATABASE_POOLER=pgbouncer changes the database settings, shown through a real PgBouncer in
transaction pooling mode (a harness server of the module's own, in front of the test
PostgreSQL): with it Django works through PgBouncer; without it, it breaks.

Each case runs in a process of its own with the test settings, DATABASE_URL pointing at the
PgBouncer and DATABASE_POOLER as given, the way a deployment is configured. The API tests run
through PgBouncer with `pytest --pgbouncer` (make test-pgbouncer).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from harness import PgBouncer, database_url

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# What `.iterator()` does, while another client keeps the server connection that its query ran
# on busy in a transaction of its own (PgBouncer hands out the last freed one first).
ITERATE = """
import os, django, psycopg2
django.setup()
from django.db.migrations.recorder import MigrationRecorder
rows = MigrationRecorder.Migration.objects.order_by("id").iterator(chunk_size=5)
first = next(rows)
other = psycopg2.connect(os.environ["DATABASE_URL"].split("?")[0])
other.cursor().execute("SELECT 1")  # psycopg2 opened a transaction: that server is its own
print(1 + len(list(rows)))
"""

QUERY = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    print(cursor.fetchone()[0])
"""


@pytest.fixture(scope="module")
def bouncer(tmp_path_factory, django_db_setup):
    """At most two server connections, handed out last-in first-out (PgBouncer's default)."""
    params = connection.settings_dict
    server = PgBouncer(
        tmp_path_factory.mktemp("pgbouncer"),
        host=params["HOST"] or "127.0.0.1",
        port=int(params["PORT"] or 5432),
        users={params["USER"]: params["PASSWORD"] or ""},
        settings={"default_pool_size": 2},
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def through(bouncer):
    """A function that runs `script` with the test settings on the test database through the
    PgBouncer, with DATABASE_POOLER=`pooler`, `query` added to DATABASE_URL and `more`
    variables; it returns the finished process."""
    url = database_url({**connection.settings_dict, "HOST": "127.0.0.1", "PORT": bouncer.port})

    def run(script: str, *, pooler: str, query: str = "", **more: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DATABASE_URL": f"{url}?{query}" if query else url,
            "DATABASE_POOLER": pooler,
            **more,
        }
        return subprocess.run(
            [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip

    return run


def test_without_the_pooler_setting_django_cannot_even_connect_through_pgbouncer(through):
    """The query timeout (DATABASE_QUERY_TIMEOUT_SECONDS, 5 s) is sent to PostgreSQL as a
    startup option, which PgBouncer refuses; with the setting it bounds queries on the client
    alone, and the role carries the server's statement_timeout."""
    refused = through(QUERY, pooler="none")
    assert refused.returncode != 0
    assert "unsupported startup parameter: options" in refused.stderr
    done = through(QUERY, pooler="pgbouncer")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "1"


def test_server_side_cursors_break_behind_pgbouncer_without_the_pooler_setting(through):
    """A server-side cursor lives on one server connection; the next FETCH, a transaction of
    its own, runs on whichever server connection PgBouncer has free. (No query timeout here,
    or the connection would not even be made: the test above.)"""
    done = through(ITERATE, pooler="none", DATABASE_QUERY_TIMEOUT_SECONDS="0")
    assert done.returncode != 0
    assert "cursor" in done.stderr
    assert "does not exist" in done.stderr


def test_with_database_pooler_pgbouncer_iterating_works(through):
    done = through(ITERATE, pooler="pgbouncer")
    assert done.returncode == 0, done.stderr
    migrations = connection.cursor()
    migrations.execute("SELECT count(*) FROM django_migrations")
    assert int(done.stdout.split()[-1]) == migrations.fetchone()[0]


def test_startup_options_are_refused_by_pgbouncer_and_dropped_by_the_pooler_setting(through):
    """Any option given as a startup option never reaches PostgreSQL through PgBouncer: it
    belongs on the role or database (`ALTER ROLE ... SET lock_timeout = '5s'`)."""
    query = "options=-c%20lock_timeout%3D5000"
    refused = through(QUERY, pooler="none", query=query, DATABASE_QUERY_TIMEOUT_SECONDS="0")
    assert refused.returncode != 0
    assert "unsupported startup parameter" in refused.stderr
    done = through(QUERY, pooler="pgbouncer", query=query)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "1"
    assert "set them on the role or database instead" in done.stderr
