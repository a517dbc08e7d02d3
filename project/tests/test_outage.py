"""Outages: the login API and /readyz answer 503 JSON quickly, and recover with no restart.

The tests run their own redis-server on a spare port and stop it, or point one check at a
port that refuses or never answers: the machine's shared services keep serving every other
test.
"""

import time

import pytest
from django.db import connections

from accounts.tests.factories import UserFactory
from harness import SilentServer, closed_port
from project.settings.connections import celery_broker
from worker.celery import app as celery_app

pytestmark = pytest.mark.django_db


def send(api, phone):
    return api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json")


def test_send_and_verify_answer_503_while_redis_is_down_and_recover(
    api, auth_api, new_phone, own_redis
):
    """Then profiles and invites, which need no Redis, keep working (throttles fail open)."""
    assert send(api, new_phone()).status_code == 202
    own_redis.stop()

    started = time.monotonic()
    down_send = send(api, new_phone())
    down_verify = api.post(
        "/api/v1/auth/verify-code/", {"phone": new_phone(), "code": "1234"}, format="json"
    )
    assert time.monotonic() - started < 4  # two requests, each bounded by short timeouts
    for answer in (down_send, down_verify):
        assert answer.status_code == 503
        assert answer.json()["code"] == "service_unavailable"
    inviter, user = UserFactory(), UserFactory()
    client = auth_api(user)
    assert client.get("/api/v1/profile/").status_code == 200
    invite = client.post("/api/v1/profile/invite/", {"invite_code": inviter.invite.code})
    assert invite.status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"database": "ok", "redis": "unavailable", "broker": "ok"}

    own_redis.start()  # same port, nothing restarted on our side
    assert send(api, new_phone()).status_code == 202
    assert api.get("/readyz").status_code == 200


@pytest.fixture
def broker_at(monkeypatch, settings):
    """Points the readiness check's broker connection (the one send-code publishes on) at `url`.

    Celery reads CELERY_BROKER_URL from the environment before its own settings, so this
    sets the write URL, which it takes for publishing when there is one, with the transport
    and options the settings give that URL (the session's broker may be another kind).
    """
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)

    def point(url: str) -> None:
        broker = celery_broker(url, timeout=settings.REDIS_TIMEOUT_SECONDS, visibility_timeout=60)
        monkeypatch.setitem(celery_app.conf, "broker_write_url", url)
        monkeypatch.setitem(celery_app.conf, "broker_transport", broker["CELERY_BROKER_TRANSPORT"])
        options = broker["CELERY_BROKER_TRANSPORT_OPTIONS"]
        monkeypatch.setitem(celery_app.conf, "broker_transport_options", options)

    return point


def timed_readyz(api):
    started = time.monotonic()
    answer = api.get("/readyz")
    return answer, time.monotonic() - started


def test_readyz_is_503_within_2s_while_redis_is_down_and_200_when_it_is_back(
    api, own_redis, broker_at
):
    broker_at(own_redis.url)  # one Redis for everything, as in the default deployment
    assert api.get("/readyz").status_code == 200
    own_redis.stop()

    answer, elapsed = timed_readyz(api)
    assert answer.status_code == 503
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"database": "ok", "redis": "unavailable", "broker": "unavailable"}
    assert elapsed < 2

    own_redis.start()  # same port; the web process is not restarted
    answer = api.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_readyz_is_503_within_2s_when_redis_and_the_broker_hang(api, settings, broker_at):
    silent = SilentServer()
    url = f"redis://127.0.0.1:{silent.port}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.REDIS_URL = url
    broker_at(url)
    try:
        answer, elapsed = timed_readyz(api)
    finally:
        silent.close()
    assert answer.status_code == 503
    assert answer.json() == {"database": "ok", "redis": "unavailable", "broker": "unavailable"}
    assert elapsed < 2


def test_readyz_is_503_within_2s_while_the_broker_is_down(api, broker_at):
    broker_at(f"redis://127.0.0.1:{closed_port()}/0")
    answer, elapsed = timed_readyz(api)
    assert answer.status_code == 503
    assert answer.json() == {"database": "ok", "redis": "ok", "broker": "unavailable"}
    assert elapsed < 2


@pytest.fixture
def database_at(monkeypatch):
    """Points new database connections (readyz checks in a thread of its own) at `port`."""

    def point(port: int) -> None:
        params = connections.settings["default"]
        monkeypatch.setitem(params, "HOST", "127.0.0.1")
        monkeypatch.setitem(params, "PORT", str(port))

    return point


def test_readyz_is_503_within_2s_while_postgresql_is_down(api, database_at):
    database_at(closed_port())
    answer, elapsed = timed_readyz(api)
    assert answer.status_code == 503
    assert answer.json() == {"database": "unavailable", "redis": "ok", "broker": "ok"}
    assert elapsed < 2


def test_readyz_is_503_when_postgresql_hangs_bounded_by_the_connect_timeout(
    api, database_at, settings
):
    silent = SilentServer()
    database_at(silent.port)
    try:
        answer, elapsed = timed_readyz(api)
    finally:
        silent.close()
    assert answer.status_code == 503
    assert answer.json() == {"database": "unavailable", "redis": "ok", "broker": "ok"}
    # libpq's connect_timeout (DATABASE_CONNECT_TIMEOUT, 2 s: its minimum) is the bound.
    assert elapsed < settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] + 1
