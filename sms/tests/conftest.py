"""Fixtures of the gateway tests: fake providers on loopback and settings that point at them."""

import logging

import pytest
from pytest_httpserver import HTTPServer

from sms.tests.fakes import FakeExolve, FakeSmsAero, FakeSmsRu, FakeTwilio

SMSRU = "sms.backends.smsru.SmsBackend"
SMSAERO = "sms.backends.smsaero.SmsBackend"
EXOLVE = "sms.backends.exolve.SmsBackend"
TWILIO = "sms.backends.twilio.SmsBackend"


@pytest.fixture(scope="session")
def provider_server():
    """One threaded HTTP server on loopback for the session: each test clears it and sets the
    fake providers it needs up on it (each on its own path, as the real APIs have them)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per fake request
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def providers(provider_server, settings):
    """The four fake providers, and settings that send every backend to them."""
    provider_server.clear()

    class Providers:
        smsru = FakeSmsRu(provider_server)
        smsaero = FakeSmsAero(provider_server)
        exolve = FakeExolve(provider_server)
        twilio = FakeTwilio(provider_server)

    base = Providers.smsru.url
    settings.SMSRU_API_URL = base
    settings.SMSRU_API_ID = "smsru-test-api-id"
    settings.SMSRU_FROM = ""
    settings.SMSRU_TEST = False
    settings.SMSAERO_API_URL = f"{base}/v2"
    settings.SMSAERO_EMAIL = "admin@example.com"
    settings.SMSAERO_API_KEY = "smsaero-test-api-key"
    settings.SMSAERO_SIGN = "SMS Aero"
    settings.EXOLVE_API_URL = base
    settings.EXOLVE_API_KEY = "exolve-test-api-key"
    settings.EXOLVE_FROM = "79990557296"
    settings.TWILIO_API_URL = base
    settings.TWILIO_ACCOUNT_SID = FakeTwilio.ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = FakeTwilio.AUTH_TOKEN
    settings.TWILIO_FROM = "+15017122661"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SMS_CALLBACK_BASE_URL = ""
    settings.SMS_CALLBACK_TOKEN = "callback-test-token"
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 5.0
    yield Providers
    provider_server.clear()
