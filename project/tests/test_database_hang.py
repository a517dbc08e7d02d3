"""A hung PostgreSQL: every query is bounded, the API answers 503 in seconds, no worker dies.

The cluster is a throwaway one of this module's own (project.tests.servers.PostgresServer),
SIGSTOPped mid-test: it keeps its connections and the kernel keeps acknowledging, so nothing
but the client-side bound (project/postgresql/base.py) can end a wait. The web is gunicorn as
a deployment runs it (production settings, sync workers), on that cluster.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from project.tests.servers import PostgresServer, spare_port, stop

BASE_DIR = Path(__file__).resolve().parent.parent.parent
QUERY_TIMEOUT = 2  # DATABASE_QUERY_TIMEOUT_SECONDS: the server's statement_timeout
CONNECT_TIMEOUT = 2  # DATABASE_CONNECT_TIMEOUT
# The longest a request may take while PostgreSQL hangs: Django's health check of a kept
# connection (a query: the bound plus the client's second of grace), then one connection
# attempt; plus a margin for a loaded machine.
BOUND = QUERY_TIMEOUT + 1 + CONNECT_TIMEOUT + 1.5


def call(base: str, path: str, token: str) -> tuple[int, dict, float]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=40) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body), time.monotonic() - started


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """(PostgreSQL, base URL, a user's access token, gunicorn's log) on a cluster of its own."""
    tmp = tmp_path_factory.mktemp("hang")
    postgres = PostgresServer()
    gunicorn = None
    try:
        postgres.start()
        postgres.create_database("referral")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": "project.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": str(tmp),
            "DATABASE_URL": postgres.url("referral"),
            "DATABASE_QUERY_TIMEOUT_SECONDS": str(QUERY_TIMEOUT),
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
            "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env,
                       check=True, capture_output=True, timeout=300)  # fmt: skip
        script = (
            "from accounts.models import User; from accounts.services import tokens_issue; "
            "print(tokens_issue(user=User.objects.create_user('+79160000001')).access)"
        )
        token = subprocess.run(
            [*manage, "shell", "-c", script], cwd=BASE_DIR, env=env, check=True,
            capture_output=True, text=True, timeout=60,
        ).stdout.split()[-1]  # fmt: skip
        port = spare_port()
        log = tmp / "web.log"
        env.update(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", LOG_FORMAT="text")
        with log.open("w") as out:
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "project.wsgi"],
                cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                if gunicorn.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield postgres, base, token, log
    finally:
        if gunicorn is not None:
            stop(gunicorn)
        postgres.stop()


def test_while_postgresql_hangs_the_api_answers_503_within_the_bound_and_recovers(stack):
    postgres, base, token, log = stack
    for _ in range(4):  # both workers hold a connection to the cluster
        assert call(base, "/api/v1/profile/", token)[0] == 200

    postgres.pause()
    try:
        answers = [call(base, "/api/v1/profile/", token) for _ in range(3)]
    finally:
        postgres.resume()

    for status, body, seconds in answers:
        assert (status, body["code"]) == (503, "service_unavailable"), body
        assert seconds < BOUND, answers
    # The cluster answers again: the next requests open new connections, no restart needed.
    assert [call(base, "/api/v1/profile/", token)[0] for _ in range(4)] == [200] * 4
    text = log.read_text()
    assert "WORKER TIMEOUT" not in text, text  # no worker was killed by gunicorn
    assert text.count("Booting worker") == 2, text


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
