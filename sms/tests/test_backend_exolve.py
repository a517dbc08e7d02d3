"""The MTS Exolve backend against a fake Exolve on loopback that answers as
https://docs.exolve.ru/docs/ru/api-reference/sms-api/sending-sms documents (the error body is
not documented: assumed, see sms/tests/fakes.py and docs/sms-gateways.md)."""

import pytest

from harness import closed_port
from sms.backends import get_backend
from sms.backends.base import SmsMessage, TransportError
from sms.tests.conftest import EXOLVE

MESSAGE = SmsMessage(to="+79628518753", body="Your code: 1234.")


def send(**kwargs):
    return get_backend(EXOLVE, **kwargs).send_message(MESSAGE)


def test_it_posts_the_documented_json_with_the_bearer_key_and_returns_the_message_id(providers):
    receipt = send()
    [request] = providers.exolve.requests
    assert (request.method, request.path) == ("POST", "/messaging/v1/SendSMS")
    assert request.mimetype == "application/json"
    assert request.headers["Authorization"] == "Bearer exolve-test-api-key"
    assert request.get_json() == {
        "number": "79990557296",
        "destination": "79628518753",
        "text": "Your code: 1234.",
    }
    assert (receipt.message_id, receipt.price) == ("572123456789012345", None)


def test_a_refused_destination_is_a_permanent_error(providers):
    providers.exolve.mode = "invalid_destination"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is True


def test_a_server_error_is_transient(providers):
    providers.exolve.mode = "http:503"
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, False)


def test_a_wrong_key_is_transient_but_marked(providers):
    providers.exolve.mode = "unauthenticated"
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, True)
    assert "unauthenticated" in str(caught.value)


def test_a_provider_slower_than_the_timeout_is_transient(providers):
    providers.exolve.delay = 1.5
    with pytest.raises(TransportError) as caught:
        send(timeout=0.3)
    assert caught.value.permanent is False


def test_a_refused_connection_is_transient(settings):
    settings.EXOLVE_API_URL = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is False
