"""Fixtures shared by every test: clean Redis, a real Celery worker, API clients and phones.

Tests run on the real PostgreSQL and Redis (see project/settings/test.py). The worker is a
real `celery worker` process, started once per session, on the same broker and Redis.
"""

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from harness import PgBouncer, RedisServer, Stack, code_from_sms, database_url
from project.settings.connections import databases
from worker.celery import app as celery_app

_phones = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption(
        "--smoke",
        action="store_true",
        help="drills (-m drill) and the attacker (-m abuse): every one, at a small scale",
    )
    parser.addoption(
        "--pgbouncer",
        action="store_true",
        help="every connection to the test database through a PgBouncer of the tests' own, "
        "in transaction pooling mode, with DATABASE_POOLER=pgbouncer (make test-pgbouncer)",
    )


PGBOUNCER = pytest.StashKey[PgBouncer]()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request, tmp_path_factory, django_db_modify_db_settings_parallel_suffix
):
    """With --pgbouncer: a PgBouncer of the session's own in front of the test PostgreSQL,
    started before pytest-django creates the test database (through it, too), and the
    database settings as DATABASE_POOLER=pgbouncer makes them."""
    if not request.config.getoption("--pgbouncer"):
        yield
        return
    params = settings.DATABASES["default"]
    bouncer = PgBouncer(
        tmp_path_factory.mktemp("pgbouncer"),
        host=params["HOST"] or "127.0.0.1",
        port=int(params["PORT"] or 5432),
        users={params["USER"]: params["PASSWORD"] or ""},
    )
    bouncer.start()
    request.config.stash[PGBOUNCER] = bouncer
    through = databases(
        database_url({**params, "HOST": "127.0.0.1", "PORT": bouncer.port}),
        connect_timeout=params["OPTIONS"]["connect_timeout"],
        conn_max_age=params["CONN_MAX_AGE"],
        query_timeout=params["OPTIONS"].get("query_timeout", 0),
        pooler="pgbouncer",
    )["default"]
    # In place: Django's connection handler holds these very dicts.
    params["OPTIONS"].clear()
    params["OPTIONS"].update(through["OPTIONS"])
    params.update({key: through[key] for key in ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS")})
    settings.DATABASE_POOLER = "pgbouncer"
    yield
    bouncer.stop()


@pytest.fixture(scope="session", autouse=True)
def _pgbouncer_lets_go_of_the_test_database(request):
    """With --pgbouncer: PgBouncer keeps its server connections to the test database open, so
    they are closed before pytest-django drops it."""
    if not request.config.getoption("--pgbouncer"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    request.config.stash[PGBOUNCER].console(f"KILL {connection.settings_dict['NAME']}")


# Markers of runs that only happen when a -m expression names them.
OPT_IN = ("drill", "abuse")


def pytest_collection_modifyitems(config, items):
    """The drills (make faults: `pytest -m drill`) and the attacker (make abuse: `pytest -m
    abuse`) run only when a -m expression names them: they stop, kill and flood servers for
    minutes, so a plain run, or `-m "not browser"`, leaves them out."""
    named = config.getoption("markexpr") or ""
    left_out = [m for m in OPT_IN if m not in named]
    skipped = [item for item in items if any(item.get_closest_marker(m) for m in left_out)]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if item not in skipped]


@pytest.fixture(autouse=True)
def _clean_redis():
    """Every test starts with an empty code store, cache and dev inbox (its own Redis DB)."""
    get_redis_connection("default").flushdb()


@pytest.fixture
def own_redis(settings, tmp_path):
    """A redis-server of the test's own for the code store and cache, so that it can stop it."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    settings.REDIS_URL = server.url
    yield server
    if server.running():
        server.stop()


@pytest.fixture
def new_phone():
    """A function that returns a valid phone number no other test of the session uses."""

    def make() -> str:
        return f"+7916{next(_phones):07d}"

    return make


@pytest.fixture
def phone(new_phone) -> str:
    return new_phone()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def auth_api():
    """A function that returns an API client logged in (with a Bearer token) as `user`."""

    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user).access}")
        return client

    return make


@pytest.fixture(scope="session")
def test_stack(django_db_setup, tmp_path_factory):
    """A Stack on the test settings and the tests' own PostgreSQL (the test database, which
    exists from here on), Redis and broker."""
    with Stack(
        tmp_path_factory.mktemp("stack"),
        settings="project.settings.test",
        database_url=database_url(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        broker_url=settings.CELERY_BROKER_URL,
        env={
            # The tests' key: codes hashed and tokens signed here are checked there, and back.
            "SECRET_KEY": settings.SECRET_KEY,
            # And the same ways to their database and Redis (a pooler, sentinels).
            "DATABASE_POOLER": settings.DATABASE_POOLER,
            "REDIS_SENTINELS": ",".join(f"{h}:{p}" for h, p in settings.REDIS_SENTINELS),
            "REDIS_SENTINEL_MASTER": settings.REDIS_SENTINEL_MASTER,
        },
    ) as stack:
        yield stack


@pytest.fixture(scope="session")
def celery_worker(test_stack):
    """A real `celery worker` process on the test broker, for the session's delivery tests
    (a harness Process: its `log`, and its metrics at `url`)."""
    celery_app.control.purge()
    worker = test_stack.worker(args="--concurrency 20 --without-gossip --without-mingle")
    yield worker
    worker.stop()


@pytest.fixture
def read_code(api):
    """A function that waits for the SMS to `phone` in the dev inbox and returns its code."""

    def read(phone: str, *, timeout: float = 10.0, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = api.get("/api/v1/dev/sms/", {"phone": phone}).json()["results"]
            if len(messages) > after:
                return code_from_sms(messages[0]["text"])
            time.sleep(0.05)
        raise AssertionError(f"no SMS reached {phone} within {timeout} s")

    return read


@pytest.fixture
def draw_codes(monkeypatch):
    """A function that makes the code store draw the given codes, in order.

    Only the randomness is replaced: the codes still go through Redis, the broker and the
    worker. Tests that guess wrong need to know what right is.
    """

    def use(*codes: str) -> None:
        drawn = iter(codes)
        monkeypatch.setattr("accounts.otp.secrets.randbelow", lambda _: int(next(drawn)))

    return use


@pytest.fixture
def concurrently():
    """A function that runs `call(item)` for every item at once, each in a thread of its own.

    Every thread has its own database connection (as concurrent requests do), closed at the
    end so that the test database can be dropped.
    """

    def run(call, items):
        barrier = threading.Barrier(len(items))

        def one(item):
            try:
                barrier.wait()  # start together, to make the race real
                return call(item)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=len(items)) as pool:
            return list(pool.map(one, items))

    return run
