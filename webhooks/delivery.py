"""One delivery attempt: sign the stored body (Standard Webhooks), POST it, log the outcome.

The Celery task in webhooks/tasks.py calls `webhook_attempt` and owns only the retry policy.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from standardwebhooks import Webhook

from webhooks.metrics import DELIVERIES
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

USER_AGENT = "referral-webhooks/1"
ERROR_LENGTH = 255


def webhook_backoff(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (from 1): 10 s, 40 s, 160 s, ...

    With the default 8 attempts the last one comes about 15 hours after the first.
    """
    return 10 * 4 ** (attempt - 1)


def webhook_headers(*, webhook_id: str, secret: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for `body` sent at `at` (an aware datetime)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def webhook_post(*, url: str, body: str, headers: dict[str, str]) -> int:
    """POST and return the response's status code; raises httpx.HTTPError.

    Each phase (connect, send, wait for the answer) is bounded by WEBHOOK_TIMEOUT_SECONDS:
    a receiver that never answers holds the worker's thread no longer than that. Only the
    status line and headers are read; the body means nothing to the sender.
    """
    timeout = httpx.Timeout(settings.WEBHOOK_TIMEOUT_SECONDS)
    with (
        httpx.Client(timeout=timeout, follow_redirects=False) as client,
        client.stream("POST", url, content=body.encode(), headers=headers) as response,
    ):
        return response.status_code


@dataclass(frozen=True)
class Attempted:
    outcome: str  # "delivered", "retry", "failed", or "skipped" (a repeat of a claimed attempt)
    retry_in: int | None = None


def _claim(delivery_id: int, attempt: int, now: datetime) -> bool:
    """Take attempt number `attempt` of the delivery, once: a message that the broker handed
    out twice finds it taken. An attempt whose worker died is taken again once it is stale."""
    stale = now - timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 10)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(
            Q(attempts=attempt - 1) | Q(attempts=attempt, last_attempt_at__lt=stale),
            attempt_limit__gte=attempt,
        )
        .update(attempts=attempt, last_attempt_at=now, next_attempt_at=None)
    )


def webhook_attempt(*, delivery_id: int, attempt: int) -> Attempted:
    """Make attempt number `attempt` (from 1) of a delivery and record it.

    Any 2xx answer delivers it; another answer, a timeout or a connection error is a failed
    attempt, retried until the delivery's attempt limit (WEBHOOK_MAX_ATTEMPTS).
    """
    started = timezone.now()
    if not _claim(delivery_id, attempt, started):
        DELIVERIES.labels(outcome="skipped").inc()
        return Attempted("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    code, error = None, ""
    clock = time.perf_counter()
    if not endpoint.active:
        error = "the endpoint is disabled"
    else:
        headers = webhook_headers(
            webhook_id=delivery.webhook_id,
            secret=endpoint.secret,
            body=delivery.payload,
            at=started,
        )
        try:
            code = webhook_post(url=endpoint.url, body=delivery.payload, headers=headers)
        except httpx.TimeoutException as exc:
            error = f"timeout: {type(exc).__name__}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.perf_counter() - clock) * 1000)
    succeeded = code is not None and 200 <= code < 300
    if not succeeded and not error:
        error = f"HTTP {code}"
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=attempt,
        started_at=started,
        duration_ms=duration_ms,
        response_code=code,
        error=error[:ERROR_LENGTH],
        succeeded=succeeded,
    )
    fields = {"response_code": code, "error": error[:ERROR_LENGTH]}
    if succeeded:
        result = Attempted("delivered")
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
    elif endpoint.active and attempt < delivery.attempt_limit:
        result = Attempted("retry", retry_in=webhook_backoff(attempt))
        fields["next_attempt_at"] = timezone.now() + timedelta(seconds=result.retry_in)
    else:
        result = Attempted("failed")
        fields["status"] = DeliveryStatus.FAILED
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    # The one place every attempt's outcome is known.
    DELIVERIES.labels(outcome=result.outcome).inc()
    logger.info(
        "webhook %s %s to %s: attempt %s, %s (%s)",
        delivery.event_type,
        delivery.webhook_id,
        endpoint.url,
        attempt,
        result.outcome,
        code if code is not None else error,
        extra={"outcome": result.outcome, "response_code": code, "ms": duration_ms},
    )
    return result
