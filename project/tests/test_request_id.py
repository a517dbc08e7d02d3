"""The request id: in the response header, on the request's log lines and in the worker's."""

import io
import logging
import re
import time

import pytest

from sms.phones import phone_mask
from worker.celery import app as celery_app

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/send-code/"


@pytest.fixture
def console_log():
    """What the configured console handler writes (the lines an operator would read)."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_every_response_carries_a_new_request_id(api):
    first, second = api.get("/healthz"), api.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept(api):
    incoming = "7f1c2a4e-58e1-4c0e-9a55-1b0f7a3d2c11"
    assert api.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "short", "x" * 129, "abc def 12345", "abcdefgh\nFAKE log line", "id;rm -rf /tmp/x"],
)
def test_an_odd_incoming_request_id_is_replaced(api, incoming):
    answered = api.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", answered)


def test_the_request_log_line_carries_the_request_id(api, console_log):
    response = api.post(SEND, {"phone": "not a phone"}, format="json")
    assert response.status_code == 400
    rid = response["X-Request-ID"]
    assert f"[{rid}] POST {SEND} 400" in console_log.getvalue()


def test_embedded_delivery_logs_under_the_request_id(api, phone, console_log, settings):
    """Without a broker the task runs inside the request: same id, before and after it."""
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    celery_app.conf.task_always_eager = True
    try:
        response = api.post(
            SEND, {"phone": phone}, format="json", HTTP_X_REQUEST_ID="req-embedded-1"
        )
    finally:
        celery_app.conf.task_always_eager = False
    assert response.status_code == 202
    log = console_log.getvalue()
    assert f"[req-embedded-1] sms delivered to {phone_mask(phone)}" in log
    assert f"[req-embedded-1] POST {SEND} 202" in log


def test_the_worker_logs_the_delivery_under_the_id_of_the_request_that_sent_it(
    api, phone, celery_worker, read_code
):
    response = api.post(SEND, {"phone": phone}, format="json", HTTP_X_REQUEST_ID="req-to-worker-1")
    assert response.status_code == 202
    read_code(phone)
    deadline = time.monotonic() + 5
    line = f"[req-to-worker-1] sms delivered to {phone_mask(phone)}"
    while line not in celery_worker.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # the inbox is written a moment before the line is logged
    assert line in celery_worker.log.read_text()
