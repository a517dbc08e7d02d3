"""The Celery task that delivers a webhook, with its retry policy, and how deliveries are queued.

Retries wait with exponential backoff (webhooks.delivery.webhook_backoff). A Redis broker
hands a message with a countdown longer than its visibility timeout to a second worker while
the first still holds it, so a long wait is made of hops no longer than half that timeout:
each hop is a small message that only queues the next, until the attempt is due.
"""

import logging
import time

from celery import shared_task
from django.conf import settings

from webhooks.delivery import webhook_attempt

logger = logging.getLogger(__name__)

HOP_SECONDS = max(1, settings.CELERY_VISIBILITY_TIMEOUT // 2)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def webhook_deliver(delivery_id: int, attempt: int = 1, not_before: float = 0.0) -> None:
    if not_before > time.time():
        _schedule(delivery_id, attempt, not_before)
        return
    result = webhook_attempt(delivery_id=delivery_id, attempt=attempt)
    if result.retry_in is not None:
        _schedule(delivery_id, attempt + 1, time.time() + result.retry_in)


def _schedule(delivery_id: int, attempt: int, not_before: float) -> None:
    if webhook_deliver.app.conf.task_always_eager:
        # No broker (the embedded default): a request must not sleep through the backoff.
        logger.warning(
            "webhook delivery %s: no broker to retry on; resend it from the admin", delivery_id
        )
        return
    wait = min(max(not_before - time.time(), 0), HOP_SECONDS)
    webhook_deliver.apply_async((delivery_id, attempt, not_before), countdown=wait)


def webhook_enqueue(delivery_ids: list[int], *, attempt: int = 1) -> None:
    for delivery_id in delivery_ids:
        webhook_deliver.delay(delivery_id, attempt)
