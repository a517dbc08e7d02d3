"""Fixtures shared by every test: clean Redis, a real Celery worker, API clients and phones.

Tests run on the real PostgreSQL and Redis (see project/settings/test.py). The worker is a
real `celery worker` process, started once per session, on the same broker and Redis.
"""

import itertools
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from project.tests.servers import stop
from worker.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent
_phones = itertools.count(1)


@pytest.fixture(autouse=True)
def _clean_redis():
    """Every test starts with an empty code store, cache and dev inbox (its own Redis DB)."""
    get_redis_connection("default").flushdb()


@pytest.fixture(scope="session", autouse=True)
def _processes_use_the_test_database(django_db_setup):
    """Processes that tests start inherit DATABASE_URL: point it at the database pytest-django
    created (`test_...`), so that the Celery worker's tasks (webhook deliveries) read and write
    what the tests wrote. Set before any of them starts; this process's settings are loaded."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    host = db["HOST"] or "127.0.0.1"
    if connection.vendor == "postgresql":
        os.environ["DATABASE_URL"] = f"postgres://{credentials}@{host}{port}/{quote(db['NAME'])}"


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
def celery_worker(tmp_path_factory):
    """A real `celery worker` process on the test broker, for the session's delivery tests.

    Yields the path of its log.
    """
    celery_app.control.purge()
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test"}
    command = [
        sys.executable, "-m", "celery", "-A", "worker", "worker",
        "--concurrency", "20", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
        yield log
    finally:
        stop(process)


@pytest.fixture
def read_code(api):
    """A function that waits for the SMS to `phone` in the dev inbox and returns its code."""

    def read(phone: str, *, timeout: float = 10.0, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = api.get("/api/v1/dev/sms/", {"phone": phone}).json()["results"]
            if len(messages) > after:
                return re.search(r"\b(\d{4})\b", messages[0]["text"]).group(1)
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
