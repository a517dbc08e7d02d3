"""End to end through the real Celery worker: an endpoint added with `manage.py webhook_add`,
logins and an activation through the API, a receiver on loopback that checks every signature.
"""

import time

import pytest
from django.core.management import call_command

from webhooks.delivery import webhook_backoff
from webhooks.models import WebhookAttempt, WebhookDelivery

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the worker must see what the test commits
    pytest.mark.worker,
    pytest.mark.usefixtures("celery_worker"),
]


def log_in(api, phone, read_code) -> str:
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}).status_code == 202
    answer = api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": read_code(phone)})
    assert answer.status_code == 200
    return answer.json()["access"]


def settled(webhook_id: str, timeout: float = 10) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while True:
        delivery = WebhookDelivery.objects.get(webhook_id=webhook_id)
        if delivery.status != "pending" or time.monotonic() > deadline:
            return delivery
        time.sleep(0.05)


def test_user_created_and_invite_activated_arrive_signed_and_a_500_is_retried_with_the_same_id(
    api, new_phone, read_code, receiver
):
    call_command("webhook_add", receiver.url, "--secret", receiver.secret)
    receiver.answer(500)  # the first delivery fails once

    inviter_phone = new_phone()
    log_in(api, inviter_phone, read_code)
    first, again = receiver.wait_for(2, timeout=webhook_backoff(1) + 20)
    assert first.webhook_id == again.webhook_id
    assert first.verified
    assert again.verified
    assert again.timestamp >= first.timestamp + webhook_backoff(1) - 1  # signed anew, later
    assert again.json == first.json
    assert again.json["type"] == "user.created"
    assert again.json["data"]["phone"] == inviter_phone
    # The receiver has the request before the worker has its answer: wait for the record.
    delivery = settled(first.webhook_id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 204)
    attempts = WebhookAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [(a.number, a.response_code) for a in attempts] == [(1, 500), (2, 204)]

    friend_phone = new_phone()
    access = log_in(api, friend_phone, read_code)
    invite_code = again.json["data"]["invite_code"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.post("/api/v1/profile/invite/", {"invite_code": invite_code}).status_code == 200
    received = receiver.wait_for(4, timeout=20)
    events = {r.json["type"]: r for r in received[2:]}
    assert set(events) == {"user.created", "invite.activated"}
    assert all(r.verified for r in received)
    assert events["invite.activated"].json["data"] == {
        "invitee": friend_phone,
        "inviter": inviter_phone,
        "invite_code": invite_code,
        "activated_at": events["invite.activated"].json["data"]["activated_at"],
        # Both logged in from 127.0.0.1: the same network, so the referral is in review.
        "status": "pending_review",
    }
