"""RabbitMQ as the broker (`CELERY_BROKER_URL=amqp://...`): the login end to end through a
durable quorum queue, retries held by RabbitMQ (native delayed delivery), publisher confirms,
and /readyz and send-code when RabbitMQ is down or hangs.

The machine's RabbitMQ (127.0.0.1:5672, guest/guest; TEST_RABBITMQ_URL moves it) with a vhost of
this module's own, created and deleted with rabbitmqctl: Celery declares fixed names (native
delayed delivery's `celery_delayed_*`, the remote control's `celery.pidbox`) that queue names
of our own could not keep apart from anyone else's. The web processes and the worker are this
module's own, on the test database and Redis, with the vhost as their broker; the session's
worker (on the Redis broker) never sees their tasks.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_redis import get_redis_connection

from harness import Api, RabbitMQVhost, SilentServer, closed_port
from harness.servers import wait_until
from sms.models import SmsLog
from sms.tests.gateways import FAIL_ONCE_KEY

pytestmark = pytest.mark.django_db(transaction=True)

RABBITMQ = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")


@pytest.fixture(scope="module")
def vhosts():
    """Two vhosts of the module's own (rabbitmqctl takes seconds: side by side): the first for
    a worker, the second for a web process that no worker consumes from."""
    vhosts = [RabbitMQVhost(RABBITMQ) for _ in range(2)]
    try:
        with ThreadPoolExecutor() as pool:
            list(pool.map(RabbitMQVhost.create, vhosts))
    except RuntimeError as exc:
        for vhost in vhosts:
            vhost.delete()  # the one that was created, if any
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is needed here: {exc}")
        pytest.skip(f"no RabbitMQ to test on: {exc}")
    yield vhosts
    with ThreadPoolExecutor() as pool:
        list(pool.map(RabbitMQVhost.delete, vhosts))


@pytest.fixture(scope="module")
def vhost(vhosts):
    return vhosts[0]


@pytest.fixture(scope="module")
def idle_vhost(vhosts):
    return vhosts[1]


@pytest.fixture(scope="module")
def rabbitmq(test_stack, vhost):
    """A web process and a worker of the module's own, both on the vhost. The worker's gateway
    is the simulated one, failing once for the phones a test puts in FAIL_ONCE_KEY."""
    broker = {"CELERY_BROKER_URL": vhost.url}
    with ThreadPoolExecutor() as pool:  # side by side: each takes seconds to start
        web = pool.submit(test_stack.web, "rabbitmq-web", WEB_CONCURRENCY="2", **broker)
        worker = pool.submit(
            test_stack.worker,
            "rabbitmq-worker",
            args="--concurrency 20 --without-gossip --without-mingle",
            SMS_BACKEND="sms.tests.gateways.FailOnceBackend",
            **broker,
        )
        web, worker = web.result(), worker.result()
    yield Api(web.url)
    web.stop()
    worker.stop()


@pytest.fixture(scope="module")
def broken_brokers(test_stack):
    """Web processes whose RabbitMQ is down (nothing listens) and hangs (a port that takes
    connections and never answers)."""
    silent = SilentServer()
    brokers = {
        "down": f"amqp://guest:guest@127.0.0.1:{closed_port()}/referral",
        "hangs": f"amqp://guest:guest@127.0.0.1:{silent.port}/referral",
    }
    with ThreadPoolExecutor() as pool:
        webs = {
            name: pool.submit(
                test_stack.web, f"rabbitmq-{name}", WEB_CONCURRENCY="1", CELERY_BROKER_URL=url
            )
            for name, url in brokers.items()
        }
        webs = {name: web.result() for name, web in webs.items()}
    yield {name: Api(web.url) for name, web in webs.items()}
    for web in webs.values():
        web.stop()
    silent.close()


def inbox_sizes(api: Api, phones: list[str]) -> list[int]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda phone: len(api.inbox(phone)), phones))


def test_a_login_goes_through_a_durable_quorum_queue(rabbitmq, vhost):
    phone = "+79165550001"
    login = rabbitmq.login(phone)
    assert login["is_new_user"] is True
    assert login["profile"]["phone"] == phone
    celery = vhost.queues()["celery"]
    assert (celery["type"], celery["durable"]) == ("quorum", True)


def test_every_code_sent_is_delivered_exactly_once(rabbitmq):
    phones = [f"+7916555{n:04d}" for n in range(100, 120)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lambda phone: rabbitmq.send_code(phone).status, phones)) == {202}
    for phone in phones:
        rabbitmq.read_code(phone)
    time.sleep(2.5)  # long enough for any duplicate delivery (1-2 s) to land too
    assert inbox_sizes(rabbitmq, phones) == [1] * len(phones)


def test_a_delivery_that_failed_is_retried_through_rabbitmq_and_delivered_once(rabbitmq):
    """The task's retry (countdown 1 s) waits in RabbitMQ's delayed-delivery queues, not in a
    worker's memory: quorum queues cannot hand a worker more messages while it holds one."""
    phone = "+79165550002"
    get_redis_connection("default").sadd(FAIL_ONCE_KEY, phone)
    sent = time.monotonic()
    assert rabbitmq.send_code(phone).status == 202
    code = rabbitmq.read_code(phone)
    assert time.monotonic() - sent >= 2  # a failed try, the 1 s countdown, then the 1-2 s SMS
    assert rabbitmq.verify_code(phone, code).status == 200
    [log] = SmsLog.objects.filter(phone=phone)
    assert (log.status, log.attempts) == ("sent", 2)
    time.sleep(2.5)
    assert len(rabbitmq.inbox(phone)) == 1


def test_a_message_rabbitmq_refuses_is_a_503_not_a_lost_sms(test_stack, idle_vhost):
    """Publisher confirms: RabbitMQ refuses a message to a full queue (here a max-length
    policy on a queue nobody consumes); without confirms the publisher would never hear of it
    and answer 202 for an SMS that never comes."""
    web = test_stack.web("rabbitmq-idle", WEB_CONCURRENCY="1", CELERY_BROKER_URL=idle_vhost.url)
    api = Api(web.url)
    try:
        idle_vhost.set_policy("full", "^celery$", {"max-length": 0, "overflow": "reject-publish"})
        # A quorum queue starts refusing once a message has taken it over its limit.
        assert api.send_code("+79165550003").status == 202
        refused = api.send_code("+79165550004")
        assert (refused.status, refused.code) == (503, "service_unavailable")
        # Nothing half-done: no cooldown left to refuse the next try, once there is room.
        idle_vhost.clear_policy("full")
        assert api.send_code("+79165550004").status == 202
        # RabbitMQ's counts lag a little behind its queues.
        wait_until(
            lambda: idle_vhost.queues()["celery"]["messages"] == 2,
            timeout=10,
            what="the queue did not hold the two messages accepted",
            interval=1,
        )
    finally:
        web.stop()


def test_readyz_checks_rabbitmq(rabbitmq):
    answer = rabbitmq.get("/readyz")
    assert (answer.status, answer.body) == (200, {"database": "ok", "redis": "ok", "broker": "ok"})


@pytest.mark.parametrize("state", ["down", "hangs"])
def test_readyz_is_503_within_2s_when_rabbitmq_is(state, broken_brokers):
    answer = broken_brokers[state].get("/readyz")
    assert answer.status == 503
    assert answer.body == {"database": "ok", "redis": "ok", "broker": "unavailable"}
    assert answer.seconds < 2


@pytest.mark.parametrize("state", ["down", "hangs"])
def test_send_code_is_503_within_2s_when_rabbitmq_is(state, broken_brokers, rabbitmq):
    phone = f"+7916555{9000 + len(state):04d}"
    answer = broken_brokers[state].send_code(phone)
    assert (answer.status, answer.code) == (503, "service_unavailable")
    assert answer.seconds < 2
    # Nothing half-done: the same phone gets its code at once where RabbitMQ is up.
    assert rabbitmq.send_code(phone).status == 202
    rabbitmq.read_code(phone)
