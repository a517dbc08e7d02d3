"""The Celery task that delivers an SMS, and how it is queued.

The task only owns the retry policy; the delivery itself is sms.services.sms_send.
"""

import logging

from celery import shared_task
from django.conf import settings

from sms.backends.base import TransportError
from sms.phones import phone_mask
from sms.services import sms_send

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SMS_TASK_MAX_RETRIES,
    # Enforced by prefork workers; with the default threads pool, SMS_GATEWAY_TIMEOUT_SECONDS
    # (each backend's timeout) is what bounds a delivery.
    soft_time_limit=settings.SMS_TASK_TIME_LIMIT_SECONDS,
    time_limit=settings.SMS_TASK_TIME_LIMIT_SECONDS + 5,
)
def sms_deliver(self, phone: str, text: str) -> None:
    try:
        sms_send(phone=phone, text=text)
    except TransportError as exc:
        if exc.permanent:
            logger.error("sms to %s refused by the gateway: %s", phone_mask(phone), exc)
            return
        # Exponential backoff: 1, 2, 4, 8, 16 s.
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


def sms_enqueue(*, phone: str, text: str, expires_in: int) -> None:
    """Queue the message for a worker; the request that calls this does not wait for delivery.

    `argsrepr` keeps the text (it holds the login code) out of worker logs and task events;
    `expires` drops a message whose code would be dead on arrival.
    """
    sms_deliver.apply_async(
        args=(phone, text),
        expires=expires_in,
        argsrepr=repr((phone_mask(phone), "<text hidden>")),
    )
