"""Failover between gateways and the circuit breaker, against the fake providers of
sms/tests/fakes.py (SMS.ru: https://sms.ru/api/send; Twilio:
https://www.twilio.com/docs/messaging/api/message-resource) and the real Redis."""

import time

import pytest
from django_redis import get_redis_connection

from sms.backends.base import TransportError
from sms.circuit import circuit_is_open
from sms.services import sms_send
from sms.tests.conftest import SMSRU, TWILIO
from sms.tests.fakes import FakeTwilio

PHONE = "+79628518753"


@pytest.fixture
def two_gateways(providers, settings):
    settings.SMS_BACKEND = f"{SMSRU}, {TWILIO}"
    settings.SMS_CIRCUIT_FAILURES = 3
    settings.SMS_CIRCUIT_WINDOW_SECONDS = 60
    settings.SMS_CIRCUIT_OPEN_SECONDS = 1
    return providers


def test_the_first_gateway_takes_the_message_when_it_can(two_gateways):
    delivery = sms_send(phone=PHONE, text="Your code: 1234.")
    assert (delivery.backend, delivery.receipt.message_id) == ("smsru", "202626-1000002")
    assert len(two_gateways.smsru.requests) == 1
    assert two_gateways.twilio.requests == []


@pytest.mark.parametrize("mode", ["http:500", "request:201", "220"])
def test_a_transient_failure_at_the_first_moves_on_to_the_second(two_gateways, mode):
    two_gateways.smsru.mode = mode
    delivery = sms_send(phone=PHONE, text="Your code: 1234.")
    assert (delivery.backend, delivery.receipt.message_id) == ("twilio", FakeTwilio.SID)
    assert two_gateways.twilio.texts == ["Your code: 1234."]


def test_a_permanent_refusal_at_the_first_is_not_tried_at_the_second(two_gateways):
    two_gateways.smsru.mode = "207"
    with pytest.raises(TransportError) as caught:
        sms_send(phone=PHONE, text="Your code: 1234.")
    assert (caught.value.permanent, caught.value.backend) == (True, "smsru")
    assert two_gateways.twilio.requests == []


def test_when_every_gateway_fails_the_error_is_transient_and_names_both(two_gateways):
    two_gateways.smsru.mode = "http:500"
    two_gateways.twilio.mode = "http:503"
    with pytest.raises(TransportError) as caught:
        sms_send(phone=PHONE, text="Your code: 1234.")
    assert caught.value.permanent is False
    assert "smsru: HTTP 500" in str(caught.value)
    assert "twilio: HTTP 503" in str(caught.value)


def test_the_circuit_opens_after_enough_failures_and_skips_the_gateway(two_gateways):
    two_gateways.smsru.mode = "http:500"
    for _ in range(3):
        assert sms_send(phone=PHONE, text="Your code: 1234.").backend == "twilio"
    assert len(two_gateways.smsru.requests) == 3
    redis = get_redis_connection("default")
    assert redis.exists("sms:circuit:smsru:open")
    assert 0 < redis.pttl("sms:circuit:smsru:open") <= 1000
    assert not circuit_is_open("twilio")

    # Open: SMS.ru is not even asked, even though it would answer now.
    two_gateways.smsru.mode = "ok"
    assert sms_send(phone=PHONE, text="Your code: 1234.").backend == "twilio"
    assert len(two_gateways.smsru.requests) == 3


def test_the_circuit_closes_after_its_open_time_and_a_success(two_gateways):
    two_gateways.smsru.mode = "http:500"
    for _ in range(3):
        sms_send(phone=PHONE, text="Your code: 1234.")
    assert circuit_is_open("smsru")
    time.sleep(1.1)  # SMS_CIRCUIT_OPEN_SECONDS

    two_gateways.smsru.mode = "ok"
    assert sms_send(phone=PHONE, text="Your code: 1234.").backend == "smsru"
    redis = get_redis_connection("default")
    assert not redis.exists("sms:circuit:smsru:open", "sms:circuit:smsru:failures")


def test_a_failure_right_after_the_open_time_opens_it_again_at_once(two_gateways):
    two_gateways.smsru.mode = "http:500"
    for _ in range(3):
        sms_send(phone=PHONE, text="Your code: 1234.")
    time.sleep(1.1)
    assert not circuit_is_open("smsru")

    sms_send(phone=PHONE, text="Your code: 1234.")  # tried again (half-open), fails
    assert len(two_gateways.smsru.requests) == 4
    assert circuit_is_open("smsru")


def test_a_refused_number_does_not_count_against_the_gateway(two_gateways):
    two_gateways.smsru.mode = "202"
    for _ in range(5):
        with pytest.raises(TransportError):
            sms_send(phone=PHONE, text="Your code: 1234.")
    assert not circuit_is_open("smsru")
    assert not get_redis_connection("default").exists("sms:circuit:smsru:failures")


def test_when_every_circuit_is_open_nothing_is_tried_and_the_task_retries_later(two_gateways):
    two_gateways.smsru.mode = "http:500"
    two_gateways.twilio.mode = "http:500"
    for _ in range(3):
        with pytest.raises(TransportError):
            sms_send(phone=PHONE, text="Your code: 1234.")
    with pytest.raises(TransportError) as caught:
        sms_send(phone=PHONE, text="Your code: 1234.")
    assert caught.value.permanent is False
    assert (len(two_gateways.smsru.requests), len(two_gateways.twilio.requests)) == (3, 3)


def test_a_single_gateway_has_no_circuit_and_is_always_tried(providers, settings):
    settings.SMS_BACKEND = SMSRU
    settings.SMS_CIRCUIT_FAILURES = 1
    providers.smsru.mode = "http:500"
    for _ in range(3):
        with pytest.raises(TransportError):
            sms_send(phone=PHONE, text="Your code: 1234.")
    assert len(providers.smsru.requests) == 3
    assert not get_redis_connection("default").keys("sms:circuit:*")


def test_the_circuit_state_is_shared_through_redis(two_gateways, settings):
    """Another worker opened the circuit: this one skips the gateway too."""
    get_redis_connection("default").set("sms:circuit:smsru:open", 1, ex=5)
    assert sms_send(phone=PHONE, text="Your code: 1234.").backend == "twilio"
    assert two_gateways.smsru.requests == []


def test_our_misconfiguration_fails_over_and_is_logged_as_an_error(two_gateways, caplog):
    two_gateways.smsru.mode = "request:200"  # a wrong api_id
    with caplog.at_level("ERROR", logger="sms.services"):
        assert sms_send(phone=PHONE, text="Your code: 1234.").backend == "twilio"
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "sms gateway smsru is MISCONFIGURED" in record.getMessage()
    assert "wrong api_id" in record.getMessage()
