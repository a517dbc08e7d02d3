"""Delivery through the real broker and Celery worker, read back from the dev inbox API."""

import time
from datetime import datetime

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_worker")]

INBOX = "/api/v1/dev/sms/"


def test_send_code_answers_before_the_sms_is_delivered(api, phone, read_code):
    sent_at = time.time()
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json").status_code == 202
    # The gateway takes at least a second: had the request waited for it, the SMS would be here.
    assert api.get(INBOX, {"phone": phone}).json() == {"results": []}
    code = read_code(phone)
    [message] = api.get(INBOX, {"phone": phone}).json()["results"]
    assert message["phone"] == phone
    assert f"Your code: {code}." in message["text"]
    delivered_at = datetime.fromisoformat(message["sent_at"]).timestamp()
    assert delivered_at - sent_at >= 1.0


def test_every_code_sent_is_delivered_exactly_once(api, new_phone, read_code):
    phones = [new_phone() for _ in range(20)]
    for phone in phones:
        api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json")
    for phone in phones:
        read_code(phone)
    time.sleep(2.5)  # long enough for any duplicate delivery to land too
    for phone in phones:
        assert len(api.get(INBOX, {"phone": phone}).json()["results"]) == 1
