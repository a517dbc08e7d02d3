"""The SMS Aero v2 backend against a fake SMS Aero on loopback that answers as its API does
(https://smsaero.ru/integration/documentation/api/, through the official SDK
smsaero/smsaero_python: `send_sms`, `check_response`); see sms/tests/fakes.py."""

import base64
from decimal import Decimal

import pytest

from harness import closed_port
from sms.backends import get_backend
from sms.backends.base import SmsMessage, TransportError
from sms.tests.conftest import SMSAERO

MESSAGE = SmsMessage(to="+79628518753", body="Your code: 1234.")


def send(**kwargs):
    return get_backend(SMSAERO, **kwargs).send_message(MESSAGE)


def test_it_posts_the_sdks_json_with_basic_auth_and_returns_id_and_cost(providers):
    receipt = send()
    [request] = providers.smsaero.requests
    assert (request.method, request.path) == ("POST", "/v2/sms/send")
    assert request.mimetype == "application/json"
    credentials = base64.b64encode(b"admin@example.com:smsaero-test-api-key").decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"
    assert request.get_json() == {
        "number": 79628518753,  # an integer of digits, as the official Python SDK sends it
        "text": "Your code: 1234.",
        "sign": "SMS Aero",
        "callbackUrl": None,
    }
    assert receipt.message_id == "539820423"
    assert (receipt.price, receipt.currency) == (Decimal("4.19"), "RUB")


def test_the_callback_url_goes_with_each_message_when_the_service_has_one(providers, settings):
    settings.SMS_CALLBACK_BASE_URL = "https://referral.example.com/"
    send()
    [request] = providers.smsaero.requests
    assert request.get_json()["callbackUrl"] == (
        "https://referral.example.com/api/v1/sms/callbacks/smsaero/callback-test-token/"
    )


@pytest.mark.parametrize("mode", ["invalid_number", "reject"])
def test_a_refused_number_is_a_permanent_error(providers, mode):
    providers.smsaero.mode = mode
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is True


@pytest.mark.parametrize("mode", ["no_credits", "http:500", "http:502"])
def test_no_credits_and_server_errors_are_transient(providers, mode):
    providers.smsaero.mode = mode
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, False)


def test_bad_credentials_are_transient_but_marked(providers):
    providers.smsaero.mode = "bad_credentials"
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, True)


def test_a_provider_slower_than_the_timeout_is_transient(providers):
    providers.smsaero.delay = 1.5
    with pytest.raises(TransportError) as caught:
        send(timeout=0.3)
    assert caught.value.permanent is False
    assert "no answer within 0.3 s" in str(caught.value)


def test_a_refused_connection_is_transient(settings):
    settings.SMSAERO_API_URL = f"http://127.0.0.1:{closed_port()}/v2"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is False
