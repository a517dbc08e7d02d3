"""The Celery tasks that deliver an SMS and prune the message log, and how an SMS is queued.

The delivery task owns the retry policy and the message log row; the delivery itself is
sms.services.sms_send.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import connection

from sms.backends.base import TransportError
from sms.phones import phone_mask
from sms.services import message_log_prune, message_log_record, sms_send

logger = logging.getLogger(__name__)


def _release_database() -> None:
    """Hand the database connection back after the log's write: a worker runs hundreds of
    deliveries in threads, each mostly waiting on a gateway, and must not hold a PostgreSQL
    connection per thread while it waits. The connection waits among the process's idle ones
    for the next thread's write (DATABASE_IDLE_CONNECTIONS, project/postgresql/idle.py).
    (Inside a test's transaction there is nothing to hand back.)"""
    if not connection.in_atomic_block:
        connection.close()


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
    attempt = {"task_id": self.request.id, "phone": phone, "attempt": self.request.retries + 1}
    try:
        delivery = sms_send(phone=phone, text=text)
    except TransportError as exc:
        last = exc.permanent or self.request.retries >= self.max_retries
        message_log_record(**attempt, error=exc, final=last)
        _release_database()
        if exc.permanent:
            logger.error("sms to %s refused by the gateway: %s", phone_mask(phone), exc)
            return
        # Exponential backoff: 1, 2, 4, 8, 16 s.
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    message_log_record(**attempt, delivery=delivery)
    _release_database()


@shared_task
def sms_log_prune() -> int:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE): forget messages older than SMS_LOG_DAYS."""
    deleted = message_log_prune(days=settings.SMS_LOG_DAYS)
    logger.info("sms log pruned: %d messages older than %d days", deleted, settings.SMS_LOG_DAYS)
    return deleted


def sms_enqueue(*, phone: str, text: str, expires_in: int) -> None:
    """Queue the message for a worker; the request that calls this does not wait for delivery.

    `argsrepr` keeps the text (it holds the login code) out of worker logs and task events;
    `expires` drops a message whose code would be dead on arrival. On RabbitMQ (publisher
    confirms) the publish waits for the broker's confirm at most `confirm_timeout`, so a
    broker that hangs gives a 503 rather than a hung request; other brokers ignore it.
    """
    sms_deliver.apply_async(
        args=(phone, text),
        expires=expires_in,
        argsrepr=repr((phone_mask(phone), "<text hidden>")),
        confirm_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    )
