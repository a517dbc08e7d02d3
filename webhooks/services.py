"""Emitting events to the webhook endpoints, resending deliveries, adding endpoints."""

import json
import logging
import secrets
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from project.fields import iso_8601
from webhooks.events import EVENTS
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import webhook_enqueue

logger = logging.getLogger(__name__)


def webhook_id_generate() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


def webhook_emit(*, event: str, data: dict) -> list[WebhookDelivery]:
    """Record `event` for every active endpoint that wants it, and queue the deliveries once
    the surrounding transaction commits.

    The delivery rows are written in the caller's transaction: an event exists exactly when
    what it reports does. Queueing is robust: a broker that is down loses no event (the
    delivery stays pending, and the admin can resend it) and fails no activation or login.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True).only("id", "events")
        if endpoint.wants(event)
    ]
    if not endpoints:
        return []
    body = json.dumps(
        {"type": event, "timestamp": iso_8601(timezone.now()), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_type=event,
                webhook_id=webhook_id_generate(),
                payload=body,
                attempt_limit=settings.WEBHOOK_MAX_ATTEMPTS,
            )
            for endpoint in endpoints
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(partial(webhook_enqueue, ids), robust=True)
    return deliveries


def webhook_resend(*, delivery_ids: list[int]) -> int:
    """Send deliveries again (an operator's "resend"): the same body and `webhook-id`, with
    WEBHOOK_MAX_ATTEMPTS more attempts. Deliveries to disabled endpoints are left alone.
    Returns how many were queued."""
    queued = []
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.select_for_update().filter(
            pk__in=delivery_ids, endpoint__active=True
        )
        for delivery in deliveries:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.PENDING,
                attempt_limit=F("attempts") + settings.WEBHOOK_MAX_ATTEMPTS,
                next_attempt_at=None,
            )
            queued.append((delivery.pk, delivery.attempts + 1))
        for delivery_id, attempt in queued:
            transaction.on_commit(
                partial(webhook_enqueue, [delivery_id], attempt=attempt), robust=True
            )
    return len(queued)


def webhook_endpoint_add(
    *, url: str, events: list[str] | None = None, secret: str | None = None
) -> WebhookEndpoint:
    """A new active endpoint; a secret is drawn unless one is given. Raises ValidationError."""
    endpoint = WebhookEndpoint(url=url, events=sorted(set(events or [])))
    if secret:
        endpoint.secret = secret
    endpoint.full_clean()
    endpoint.save()
    return endpoint
