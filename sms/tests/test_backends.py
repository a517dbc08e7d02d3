"""The gateways on their own (unit tests: no worker, no queue)."""

import io

import pytest
from django_redis import get_redis_connection

import sms
from sms.backends import get_backend
from sms.backends.base import SmsMessage, TransportError
from sms.inbox import INBOX_SIZE, inbox_add, inbox_messages

MESSAGE = SmsMessage(to="+79628518753", body="Your code: 1234.")


def test_the_backend_is_chosen_by_the_setting(settings):
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    assert type(get_backend()).__module__ == "sms.backends.locmem"


def test_locmem_keeps_messages_in_the_outbox(monkeypatch):
    monkeypatch.setattr(sms, "outbox", [])
    sent = get_backend("sms.backends.locmem.SmsBackend").send_messages([MESSAGE])
    assert sent == 1
    assert sms.outbox == [MESSAGE]


def test_console_writes_each_message_to_its_stream():
    stream = io.StringIO()
    backend = get_backend("sms.backends.console.SmsBackend", stream=stream)
    assert backend.send_messages([MESSAGE, MESSAGE]) == 2
    assert stream.getvalue().count("SMS to +79628518753: Your code: 1234.") == 2


def test_simulated_takes_its_delay_then_delivers_into_the_inbox(settings, monkeypatch):
    settings.SMS_INBOX_ENABLED = True
    delays = []
    monkeypatch.setattr("sms.backends.simulated.time.sleep", delays.append)
    backend = get_backend("sms.backends.simulated.SmsBackend")
    assert backend.send_messages([MESSAGE]) == 1
    assert len(delays) == 1
    assert 1.0 <= delays[0] <= 2.0
    assert [m["text"] for m in inbox_messages(phone=MESSAGE.to)] == [MESSAGE.body]


def test_simulated_keeps_nothing_when_the_inbox_is_off(settings, monkeypatch):
    settings.SMS_INBOX_ENABLED = False
    monkeypatch.setattr("sms.backends.simulated.time.sleep", lambda _: None)
    get_backend("sms.backends.simulated.SmsBackend").send_messages([MESSAGE])
    assert inbox_messages(phone=MESSAGE.to) == []


def test_the_inbox_lists_the_newest_first():
    for n in range(3):
        inbox_add(phone=MESSAGE.to, text=f"message {n}")
    assert [m["text"] for m in inbox_messages(phone=MESSAGE.to)] == [
        "message 2",
        "message 1",
        "message 0",
    ]


@pytest.mark.parametrize("backend", ["sms.backends.base.BaseSmsBackend"])
def test_the_base_backend_is_abstract(backend):
    with pytest.raises(NotImplementedError):
        get_backend(backend).send_messages([MESSAGE])


def test_the_inbox_keeps_the_newest_messages_for_the_code_ttl(settings):
    for n in range(INBOX_SIZE + 5):
        inbox_add(phone=MESSAGE.to, text=f"message {n}")
    texts = [m["text"] for m in inbox_messages(phone=MESSAGE.to)]
    assert texts == [f"message {n}" for n in range(INBOX_SIZE + 4, 4, -1)]
    ttl = get_redis_connection("default").ttl(f"sms:inbox:{MESSAGE.to}")
    assert 0 < ttl <= settings.OTP_TTL_SECONDS


def test_a_gateway_slower_than_its_timeout_is_a_transient_error(settings, monkeypatch):
    settings.SMS_SIMULATED_DELAY_SECONDS = (3.0, 3.0)
    waited = []
    monkeypatch.setattr("sms.backends.simulated.time.sleep", waited.append)
    backend = get_backend("sms.backends.simulated.SmsBackend", timeout=0.5)
    with pytest.raises(TransportError) as caught:
        backend.send_messages([MESSAGE])
    assert caught.value.permanent is False
    assert waited == [0.5]
    assert inbox_messages(phone=MESSAGE.to) == []


def test_backends_get_the_gateway_timeout_setting(settings):
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 7.5
    assert get_backend("sms.backends.locmem.SmsBackend").timeout == 7.5
