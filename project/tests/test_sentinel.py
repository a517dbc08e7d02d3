"""Redis behind Sentinel (REDIS_SENTINELS): the code store, throttles, dev inbox and readiness on
the master the sentinels name, the broker through `sentinel://`, and a login again once a
replica has replaced a dead master.

A master, a replica and three sentinels of the module's own (harness RedisSentinelGroup, on
spare ports); the web process and the worker are the module's own too, on the test database.
"""

import itertools
import time

import pytest
import redis
from django.conf import settings as django_settings

from accounts.tests.factories import UserFactory
from harness import Api, LoginFailed, RedisSentinelGroup, SilentServer, closed_port
from project.settings.connections import caches, sentinel_addresses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    group = RedisSentinelGroup(tmp_path_factory.mktemp("sentinel"))
    group.start()
    yield group
    group.stop()


@pytest.fixture
def code_store_via(settings):
    """Points this process's code store, throttles and cache at the master that `sentinels`
    (REDIS_SENTINELS' form) name, as the settings do when REDIS_SENTINELS is set."""

    def point(sentinels: str, master: str = "mymaster") -> None:
        # django-redis keeps its pools by URL, whose host is the master's name: another name
        # for other sentinels, or this process would use the pool of the first ones.
        settings.CACHES = caches(
            django_settings.REDIS_URL,
            timeout=django_settings.REDIS_TIMEOUT_SECONDS,
            sentinels=sentinel_addresses(sentinels),
            sentinel_master=master,
        )

    return point


def keys(port: int, db: int, pattern: str) -> list[bytes]:
    client = redis.Redis(port=port, db=db)
    try:
        return client.keys(pattern)
    finally:
        client.close()


def database() -> int:
    return int(django_settings.REDIS_URL.rsplit("/", 1)[1])


def test_the_code_store_and_the_throttles_are_on_the_master(api, auth_api, group, code_store_via):
    code_store_via(group.addresses)
    answer = api.post("/api/v1/auth/send-code/", {"phone": "+79167770001"}, format="json")
    assert answer.status_code == 202
    # The phone's keys in the code store (code, attempts, cooldown, sends) and the per-IP
    # counter, which the same script keeps.
    assert len(keys(group.master.port, database(), "otp:{*")) == 4
    assert keys(group.master.port, database(), "otp:rate:send:*")
    # ...copied to the replica, which is what a failover keeps.
    replica = group.replicas[0].port
    for _ in range(50):
        if len(keys(replica, database(), "otp:{*")) == 4:
            break
        time.sleep(0.05)
    assert len(keys(replica, database(), "otp:{*")) == 4
    # The per-user throttle: the `limits` library, on the same Sentinel-managed pool.
    assert auth_api(UserFactory()).get("/api/v1/profile/").status_code == 200
    assert keys(group.master.port, database(), "LIMITS*")
    ready = api.get("/readyz")
    assert (ready.status_code, ready.json()["redis"]) == (200, "ok")


@pytest.mark.parametrize("state", ["down", "hangs"])
def test_with_no_sentinel_to_answer_the_login_and_readyz_are_503_quickly(
    api, code_store_via, settings, state
):
    """Each use of Redis waits at most REDIS_TIMEOUT_SECONDS (1 s) for a sentinel that hangs:
    send-code uses it twice (its throttle, which then lets the request through, and the code
    store), readiness once."""
    silent = SilentServer()
    port = closed_port() if state == "down" else silent.port
    code_store_via(f"127.0.0.1:{port}", master=f"nobody-{state}")
    try:
        started = time.monotonic()
        sent = api.post("/api/v1/auth/send-code/", {"phone": "+79167770002"}, format="json")
        sent_in = time.monotonic() - started
        started = time.monotonic()
        ready = api.get("/readyz")
        ready_in = time.monotonic() - started
    finally:
        silent.close()
    timeout = settings.REDIS_TIMEOUT_SECONDS
    assert (sent.status_code, sent.json()["code"]) == (503, "service_unavailable")
    assert sent_in < 2 * timeout + 1
    assert (ready.status_code, ready.json()["redis"]) == (503, "unavailable")
    assert ready_in < timeout + 1


@pytest.fixture(scope="module")
def sentinel_stack(test_stack, group):
    """A web process and a worker whose code store and broker are the group's master, found
    through its sentinels (the broker as `sentinel:///15`: the REDIS_SENTINELS' master)."""
    env = {"REDIS_SENTINELS": group.addresses, "CELERY_BROKER_URL": "sentinel:///15"}
    web = test_stack.web("sentinel-web", WEB_CONCURRENCY="2", **env)
    worker = test_stack.worker(
        "sentinel-worker",
        args="--concurrency 20 --without-gossip --without-mingle",
        CELERY_VISIBILITY_TIMEOUT="10",
        **env,
    )
    yield Api(web.url), worker
    web.stop()
    worker.stop()


def test_a_login_through_the_sentinels_master(sentinel_stack, group):
    api, _ = sentinel_stack
    login = api.login("+79167770003")
    assert login["is_new_user"] is True
    # The broker's queue is on the master too.
    assert keys(group.master.port, 15, "_kombu.binding.*")
    assert api.get("/readyz").body == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_when_the_master_dies_its_replica_takes_over_and_logins_work_again(sentinel_stack, group):
    """Last in the module: the group has no master to spare afterwards. Logins fail (503)
    from the kill until the sentinels agree on the new master (drills/test_sentinel.py
    measures how long), then work again in the same web process and worker, which ask the
    sentinels again instead of holding on to the dead master's address."""
    api, worker = sentinel_stack
    replica = group.replicas[0].port
    # SMS under way when the master dies: the worker then has messages to put back or reject
    # on a connection that is gone (what stopped kombu's own Sentinel transport for good).
    for n in range(5):
        assert api.send_code(f"+7916779{n:04d}").status == 202
    time.sleep(0.5)
    group.master.kill()  # SIGKILL: no shutdown, no last write
    deadline = time.monotonic() + 30
    refusals = set()
    for attempt in itertools.count():
        try:
            login = api.login(f"+7916778{attempt:04d}", timeout=30, patient=True)
            break
        except LoginFailed as failed:
            refusals.add((failed.answer.status, failed.answer.code))
        assert time.monotonic() < deadline, "no login worked within 30 s of the kill"
        time.sleep(0.2)
    assert refusals <= {(503, "service_unavailable")}  # never a 500, never a wrong answer
    assert login["is_new_user"] is True
    assert group.master_port() == replica
    assert worker.running()
    assert keys(replica, database(), "otp:*")
