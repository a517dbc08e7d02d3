"""Which events are recorded and queued, with what data: emitted inside the transaction of
what they report, queued only once it commits."""

import json

import pytest

from accounts.services import user_get_or_create
from accounts.tests.factories import UserFactory
from invites.services import invite_activate, referral_review
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_emit, webhook_resend

pytestmark = pytest.mark.django_db


def payloads(event: str) -> list[dict]:
    return [json.loads(d.payload) for d in WebhookDelivery.objects.filter(event_type=event)]


def test_an_event_goes_to_the_active_endpoints_that_want_it(django_capture_on_commit_callbacks):
    every = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/every")
    users = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/users", events=["user.created"])
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/off", active=False)
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/other", events=["invite.activated"])
    with django_capture_on_commit_callbacks() as queued:
        deliveries = webhook_emit(event="user.created", data={"phone": "+79031112233"})
    assert {d.endpoint_id for d in deliveries} == {every.pk, users.pk}
    assert len({d.webhook_id for d in deliveries}) == 2
    assert all(d.webhook_id.startswith("msg_") for d in deliveries)
    assert len(queued) == 1  # one callback queues both, after the commit
    body = json.loads(deliveries[0].payload)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "user.created"


def test_without_endpoints_nothing_is_recorded_or_queued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        assert webhook_emit(event="invite.activated", data={}) == []
    assert queued == []


def test_an_unknown_event_is_a_bug():
    with pytest.raises(ValueError, match="unknown webhook event"):
        webhook_emit(event="user.deleted", data={})


def test_an_activation_and_a_review_emit_their_events():
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    inviter, invitee = UserFactory(), UserFactory()
    referral = invite_activate(user=invitee, code=inviter.invite.code.lower())
    [activated] = payloads("invite.activated")
    assert activated["data"] == {
        "invitee": invitee.phone,
        "inviter": inviter.phone,
        "invite_code": inviter.invite.code,
        "activated_at": referral.activated_at.isoformat().replace("+00:00", "Z"),
        "status": "active",
    }
    referral_review(referral_id=referral.pk, decision="reject")
    [reviewed] = payloads("referral.reviewed")
    assert reviewed["data"] == {
        "invitee": invitee.phone,
        "inviter": inviter.phone,
        "status": "rejected",
    }


def test_a_refused_activation_emits_nothing():
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    user = UserFactory()
    with pytest.raises(Exception):  # noqa: B017, PT011 - own code: any refusal will do
        invite_activate(user=user, code=user.invite.code)
    assert not WebhookDelivery.objects.exists()


def test_a_login_that_creates_the_user_emits_user_created(api, phone, draw_codes):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    draw_codes("1234")
    api.post("/api/v1/auth/send-code/", {"phone": phone})
    answer = api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": "1234"})
    assert answer.status_code == 200
    user, created = user_get_or_create(phone=phone)  # as a later login finds it
    assert not created
    assert payloads("user.created") == [
        {
            "type": "user.created",
            "timestamp": payloads("user.created")[0]["timestamp"],
            "data": {
                "phone": phone,
                "invite_code": user.invite.code,
                "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
            },
        }
    ]


def test_resend_queues_the_same_delivery_with_as_many_attempts_again(
    settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks():
        [delivery] = webhook_emit(event="user.created", data={})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=3)
    with django_capture_on_commit_callbacks() as queued:
        assert webhook_resend(delivery_ids=[delivery.pk]) == 1
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempt_limit) == ("pending", 3, 6)
    WebhookEndpoint.objects.update(active=False)
    assert webhook_resend(delivery_ids=[delivery.pk]) == 0
