"""The SMS.ru backend against a fake SMS.ru on loopback that answers as https://sms.ru/api/send
documents (and as recorded live: svyatov/smsru_ruby test/cassettes); see sms/tests/fakes.py."""

import time

import pytest

from harness import SilentServer, closed_port
from sms.backends import get_backend
from sms.backends.base import SmsMessage, TransportError
from sms.tests.conftest import SMSRU

MESSAGE = SmsMessage(to="+79628518753", body="Your code: 1234.")


def send(**kwargs):
    return get_backend(SMSRU, **kwargs).send_message(MESSAGE)


def test_it_posts_the_documented_form_and_returns_the_sms_id(providers, settings):
    settings.SMSRU_FROM = "MyShop"
    settings.SMSRU_TEST = True
    receipt = send()
    [request] = providers.smsru.requests
    assert request.method == "POST"
    assert request.path == "/sms/send"
    assert request.mimetype == "application/x-www-form-urlencoded"
    assert request.form.to_dict() == {
        "api_id": "smsru-test-api-id",
        "to": "79628518753",  # digits, no +
        "msg": "Your code: 1234.",
        "json": "1",
        "from": "MyShop",
        "test": "1",
    }
    assert (receipt.message_id, receipt.price) == ("202626-1000002", None)


def test_no_sender_and_no_test_flag_unless_set(providers):
    send()
    [request] = providers.smsru.requests
    assert set(request.form) == {"api_id", "to", "msg", "json"}


@pytest.mark.parametrize("code", ["202", "207", "209", "215", "230", "501"])
def test_a_refused_number_is_a_permanent_error(providers, code):
    providers.smsru.mode = code
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is True
    assert caught.value.code == code


@pytest.mark.parametrize("mode", ["220", "request:201", "request:220", "http:500", "http:503"])
def test_try_later_no_money_and_server_errors_are_transient(providers, mode):
    providers.smsru.mode = mode
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, False)


@pytest.mark.parametrize("mode", ["request:200", "204", "221"])
def test_our_own_misconfiguration_is_transient_but_marked(providers, mode):
    providers.smsru.mode = mode
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, True)


def test_an_answer_that_is_not_json_is_transient(providers):
    providers.smsru.mode = "garbage"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is False


def test_a_provider_slower_than_the_timeout_is_transient(providers):
    providers.smsru.delay = 1.5
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        send(timeout=0.3)
    assert caught.value.permanent is False
    assert "no answer within 0.3 s" in str(caught.value)
    assert time.monotonic() - started < 1.5  # it gave up, rather than wait for the answer


def test_a_provider_that_never_answers_is_transient(settings):
    silent = SilentServer()
    try:
        settings.SMSRU_API_URL = f"http://127.0.0.1:{silent.port}"
        with pytest.raises(TransportError) as caught:
            send(timeout=0.3)
        assert caught.value.permanent is False
    finally:
        silent.close()


def test_a_refused_connection_is_transient(settings):
    settings.SMSRU_API_URL = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is False
    assert "ConnectError" in str(caught.value)


def test_every_backend_of_a_process_shares_one_client_with_keep_alive(providers, settings):
    # (The fake, werkzeug's server, closes every connection, so reuse shows in the pool.)
    smsru, twilio = get_backend(SMSRU), get_backend("sms.backends.twilio.SmsBackend")
    assert smsru.client is twilio.client
    pool = smsru.client._transport._pool
    assert pool._max_keepalive_connections == 20
    assert smsru.client.timeout.read == settings.SMS_GATEWAY_TIMEOUT_SECONDS
    assert get_backend(SMSRU, timeout=0.3).client.timeout.connect == 0.3
