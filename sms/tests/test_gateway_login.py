"""The whole login through real gateways: send-code through the API, a real Celery worker, fake
SMS.ru and Twilio on loopback (sms/tests/fakes.py: https://sms.ru/api/send and
https://www.twilio.com/docs/messaging/api/message-resource), then verify-code with the code the
fake provider received.

The worker is this module's own, started with the environment that points its SMS_BACKEND
(`sms.backends.smsru.SmsBackend,sms.backends.twilio.SmsBackend`) at the fakes and its database
at the test database; it takes the delivery tasks from a queue of its own, so that the session's
worker (on the simulated gateway) never sees them.
"""

import base64
import logging
import time
from functools import partial
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from harness import code_from_sms
from sms.models import SmsLog
from sms.tasks import sms_deliver, sms_enqueue
from sms.tests.fakes import FakeSmsRu, FakeTwilio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
QUEUE = "sms-gateways-test"
SENDER = "+15017122661"


@pytest.fixture(scope="module")
def provider_servers():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    servers = [HTTPServer(host="127.0.0.1", port=0, threaded=True) for _ in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.clear()
        server.stop()


@pytest.fixture(scope="module")
def gateway_worker(test_stack, provider_servers):
    """A `celery worker` whose settings (from its environment, set before it starts) send SMS
    through SMS.ru, then Twilio, both fakes of this module."""
    smsru, twilio = provider_servers
    worker = test_stack.worker(
        "gateways",
        args=f"-Q {QUEUE} --concurrency 20 --without-gossip --without-mingle",
        SMS_BACKEND="sms.backends.smsru.SmsBackend,sms.backends.twilio.SmsBackend",
        SMSRU_API_URL=smsru.url_for("").rstrip("/"),
        SMSRU_API_ID="smsru-test-api-id",
        TWILIO_API_URL=twilio.url_for("").rstrip("/"),
        TWILIO_ACCOUNT_SID=FakeTwilio.ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=FakeTwilio.AUTH_TOKEN,
        TWILIO_FROM=SENDER,
        SMS_GATEWAY_TIMEOUT_SECONDS="5",
    )
    yield worker.log
    worker.stop()


@pytest.fixture
def gateways(gateway_worker, provider_servers, monkeypatch):
    """Fresh fake SMS.ru and Twilio; deliveries go to this module's worker."""
    monkeypatch.setattr(sms_deliver, "apply_async", partial(sms_deliver.apply_async, queue=QUEUE))
    for server in provider_servers:
        server.clear()

    class Gateways:
        smsru = FakeSmsRu(provider_servers[0])
        twilio = FakeTwilio(provider_servers[1])

    return Gateways


def wait_for(condition, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def log_row(phone: str, *statuses: str) -> SmsLog | None:
    return SmsLog.objects.filter(phone=phone, status__in=statuses).first()


def login(api, phone: str, code: str):
    return api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": code}, format="json")


def test_a_login_works_through_smsru(api, phone, gateways):
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json").status_code == 202
    [text] = wait_for(lambda: gateways.smsru.texts, what="the SMS at SMS.ru")
    assert gateways.smsru.requests[0].form["to"] == phone.removeprefix("+")
    response = login(api, phone, code_from_sms(text))
    assert response.status_code == 200
    assert response.json()["is_new_user"] is True
    row = wait_for(lambda: log_row(phone, "sent"), what="the log row")
    assert (row.backend, row.provider_message_id, row.error) == ("smsru", FakeSmsRu.SMS_ID, "")
    assert gateways.twilio.requests == []


def test_when_smsru_answers_500_the_login_works_through_twilio(api, phone, gateways):
    gateways.smsru.mode = "http:500"
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json").status_code == 202
    [text] = wait_for(lambda: gateways.twilio.texts, what="the SMS at Twilio")
    [request] = gateways.twilio.requests
    credentials = base64.b64encode(f"{FakeTwilio.ACCOUNT_SID}:{FakeTwilio.AUTH_TOKEN}".encode())
    assert request.headers["Authorization"] == f"Basic {credentials.decode()}"
    assert (request.form["To"], request.form["From"]) == (phone, SENDER)  # E.164
    assert request.form["Body"] == text
    assert login(api, phone, code_from_sms(text)).status_code == 200
    assert len(gateways.smsru.requests) == 1  # tried first
    row = wait_for(lambda: log_row(phone, "sent"), what="the log row")
    assert (row.backend, row.provider_message_id) == ("twilio", FakeTwilio.SID)


def test_when_smsru_refuses_the_number_twilio_is_not_called(api, phone, gateways):
    gateways.smsru.mode = "207"
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json").status_code == 202
    row = wait_for(lambda: log_row(phone, "failed"), what="the refusal in the log")
    assert row.backend == "smsru"
    assert "207" in row.error
    time.sleep(1.5)  # long enough for a retry (1 s) or a failover to have shown up
    assert len(gateways.smsru.requests) == 1
    assert gateways.twilio.requests == []


def test_a_slow_provider_is_waited_on_by_many_threads_at_once(new_phone, gateways):
    """The worker's threads pool: deliveries to a provider that takes a second each overlap,
    sharing the one HTTP client, instead of queueing behind one another."""
    gateways.smsru.delay = 1.0
    phones = [new_phone() for _ in range(10)]
    for phone in phones:
        sms_enqueue(phone=phone, text="Your code: 1234.", expires_in=60)
    wait_for(
        lambda: SmsLog.objects.filter(phone__in=phones, status="sent").count() == len(phones),
        timeout=30,
        what="every delivery",
    )
    assert len(gateways.smsru.requests) == len(phones)
    assert gateways.smsru.max_in_flight >= 5
    assert gateways.twilio.requests == []
