"""One delivery attempt at a time (webhooks.delivery.webhook_attempt), against a real receiver
on loopback: signed, logged, retried with backoff, bounded by the timeout."""

import itertools
import time

import pytest
from django.utils import timezone

from harness import SilentServer, closed_port
from webhooks.delivery import webhook_attempt, webhook_backoff
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_emit

pytestmark = pytest.mark.django_db


def emit(django_capture_on_commit_callbacks, event="user.created", data=None) -> WebhookDelivery:
    with django_capture_on_commit_callbacks(execute=False):  # queue nothing: attempts by hand
        [delivery] = webhook_emit(event=event, data=data or {"phone": "+79031112233"})
    return delivery


def test_a_2xx_answer_delivers_it_signed(endpoint, receiver, django_capture_on_commit_callbacks):
    delivery = emit(django_capture_on_commit_callbacks, data={"phone": "+79031112233"})
    result = webhook_attempt(delivery_id=delivery.pk, attempt=1)
    assert result.outcome == "delivered"
    [received] = receiver.received
    assert received.verified
    assert received.webhook_id == delivery.webhook_id
    assert abs(received.timestamp - time.time()) < 30
    assert received.json["type"] == "user.created"
    assert received.json["data"] == {"phone": "+79031112233"}
    assert received.json["timestamp"].endswith("Z")
    assert received.body.decode() == delivery.payload  # the exact bytes that were signed
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 204)
    assert delivery.delivered_at is not None
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.succeeded, attempt.response_code) == (1, True, 204)


def test_a_500_is_retried_with_the_same_webhook_id(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    delivery = emit(django_capture_on_commit_callbacks)
    first = webhook_attempt(delivery_id=delivery.pk, attempt=1)
    assert (first.outcome, first.retry_in) == ("retry", webhook_backoff(1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.error) == ("pending", 500, "HTTP 500")
    assert delivery.next_attempt_at > timezone.now()
    assert webhook_attempt(delivery_id=delivery.pk, attempt=2).outcome == "delivered"
    assert [r.webhook_id for r in receiver.received] == [delivery.webhook_id] * 2
    assert all(r.verified for r in receiver.received)
    log = WebhookAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [(a.number, a.response_code, a.succeeded) for a in log] == [
        (1, 500, False),
        (2, 204, True),
    ]


def test_the_backoff_is_exponential_and_retries_first_within_a_minute():
    waits = [webhook_backoff(n) for n in range(1, 8)]
    assert waits[0] < 60
    assert all(b == a * 4 for a, b in itertools.pairwise(waits))


def test_after_the_last_attempt_the_delivery_has_failed(
    endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answer(503, 503)
    delivery = emit(django_capture_on_commit_callbacks)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "retry"
    last = webhook_attempt(delivery_id=delivery.pk, attempt=2)
    assert (last.outcome, last.retry_in) == ("failed", None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=3).outcome == "skipped"
    assert len(receiver.received) == 2


def test_an_attempt_handed_out_twice_is_made_once(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    delivery = emit(django_capture_on_commit_callbacks)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "delivered"
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "skipped"
    assert len(receiver.received) == 1


def test_a_receiver_that_never_answers_holds_the_attempt_no_longer_than_the_timeout(
    settings, db, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    silent = SilentServer()  # takes the connection, never answers
    try:
        WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{silent.port}/hook")
        delivery = emit(django_capture_on_commit_callbacks)
        started = time.monotonic()
        result = webhook_attempt(delivery_id=delivery.pk, attempt=1)
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.outcome == "retry"
    assert elapsed < 3  # the 1 s timeout, plus the database writes
    delivery.refresh_from_db()
    assert delivery.error.startswith("timeout")
    assert delivery.response_code is None


def test_a_refused_connection_is_a_failed_attempt(db, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{closed_port()}/hook")
    delivery = emit(django_capture_on_commit_callbacks)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "retry"
    delivery.refresh_from_db()
    assert delivery.error.startswith("ConnectError")


@pytest.mark.parametrize("status", [301, 302, 400, 404, 410])
def test_any_answer_but_2xx_is_a_failure(
    endpoint, receiver, status, django_capture_on_commit_callbacks
):
    receiver.answer(status)
    delivery = emit(django_capture_on_commit_callbacks)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "retry"


def test_a_disabled_endpoint_gets_no_more_attempts(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    delivery = emit(django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.update(active=False)
    assert webhook_attempt(delivery_id=delivery.pk, attempt=1).outcome == "failed"
    assert receiver.received == []
