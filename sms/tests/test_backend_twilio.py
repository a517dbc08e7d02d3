"""The Twilio backend against a fake Twilio on loopback that answers as its Messages API does
(https://www.twilio.com/docs/messaging/api/message-resource, the OpenAPI file in
twilio/twilio-oai, https://www.twilio.com/docs/api/errors); see sms/tests/fakes.py."""

import base64

import pytest

from harness import closed_port
from sms.backends import get_backend
from sms.backends.base import SmsMessage, TransportError
from sms.tests.conftest import TWILIO
from sms.tests.fakes import TWILIO_PRICE, FakeTwilio

MESSAGE = SmsMessage(to="+79628518753", body="Your code: 1234.")


def send(**kwargs):
    return get_backend(TWILIO, **kwargs).send_message(MESSAGE)


def test_it_posts_the_form_with_basic_auth_and_returns_the_sid_and_price(providers):
    receipt = send()
    [request] = providers.twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{FakeTwilio.ACCOUNT_SID}/Messages.json"
    assert request.mimetype == "application/x-www-form-urlencoded"
    credentials = f"{FakeTwilio.ACCOUNT_SID}:{FakeTwilio.AUTH_TOKEN}".encode()
    assert request.headers["Authorization"] == f"Basic {base64.b64encode(credentials).decode()}"
    assert request.form.to_dict() == {
        "To": "+79628518753",  # E.164
        "From": "+15017122661",
        "Body": "Your code: 1234.",
    }
    assert receipt.message_id == FakeTwilio.SID
    assert (receipt.price, receipt.currency) == (TWILIO_PRICE, "USD")


def test_a_messaging_service_replaces_from_and_the_status_callback_is_given(providers, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "c" * 32
    settings.SMS_CALLBACK_BASE_URL = "https://referral.example.com"
    send()
    [request] = providers.twilio.requests
    assert request.form.to_dict() == {
        "To": "+79628518753",
        "MessagingServiceSid": "MG" + "c" * 32,
        "Body": "Your code: 1234.",
        "StatusCallback": (
            "https://referral.example.com/api/v1/sms/callbacks/twilio/callback-test-token/"
        ),
    }


@pytest.mark.parametrize("code", ["21211", "21614"])
def test_a_refused_number_is_a_permanent_error(providers, code):
    providers.twilio.mode = code
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.code) == (True, code)


@pytest.mark.parametrize("mode", ["20429", "http:500", "http:503"])
def test_rate_limits_and_server_errors_are_transient(providers, mode):
    providers.twilio.mode = mode
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, False)


def test_bad_credentials_are_transient_but_marked(providers):
    providers.twilio.mode = "20003"
    with pytest.raises(TransportError) as caught:
        send()
    assert (caught.value.permanent, caught.value.misconfigured) == (False, True)


def test_a_provider_slower_than_the_timeout_is_transient(providers):
    providers.twilio.delay = 1.5
    with pytest.raises(TransportError) as caught:
        send(timeout=0.3)
    assert caught.value.permanent is False


def test_a_refused_connection_is_transient(settings):
    settings.TWILIO_API_URL = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(TransportError) as caught:
        send()
    assert caught.value.permanent is False
