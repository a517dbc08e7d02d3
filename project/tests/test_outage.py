"""A Redis outage: the login API answers 503 JSON, and recovers with no restart.

The test runs its own redis-server on a spare port and stops it: the machine's shared Redis
keeps serving the broker and every other test.
"""

import time

import pytest

from accounts.tests.factories import UserFactory
from project.tests.servers import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    settings.REDIS_URL = server.url
    yield server
    if server.process.poll() is None:
        server.stop()


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
    invite = client.post("/api/v1/profile/invite/", {"invite_code": inviter.invite_code})
    assert invite.status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"database": "ok", "redis": "unavailable", "broker": "ok"}

    own_redis.start()  # same port, nothing restarted on our side
    assert send(api, new_phone()).status_code == 202
    assert api.get("/readyz").status_code == 200
