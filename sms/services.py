"""Sending an SMS through the configured gateways, with failover, and the message log.

The worker's task calls sms_send and writes the log around it; delivery reports from the
providers update the log through message_log_report.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import DatabaseError, connection
from django.utils import timezone

from sms.backends import get_backends
from sms.backends.base import BaseSmsBackend, Receipt, SmsMessage, TransportError
from sms.backends.http import StatusReport
from sms.circuit import circuit_is_open, circuit_record_failure, circuit_record_success
from sms.metrics import delivery_observe
from sms.models import SmsLog
from sms.phones import phone_mask

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    backend: str
    receipt: Receipt


def sms_send(*, phone: str, text: str) -> Delivery:
    """Deliver now through the first backend of SMS_BACKEND that takes the message.

    A transient failure moves on to the next backend at once; a permanent refusal is raised
    as it is (no other provider would do better). With several backends, those whose circuit
    is open are skipped; a single backend is always tried, and the task's retries pace it.
    Raises TransportError (transient) when no backend took the message.
    """
    message = SmsMessage(to=phone, body=text)
    backends = get_backends()
    if len(backends) > 1:
        closed = [backend for backend in backends if not circuit_is_open(backend.name)]
        if not closed:
            raise TransportError("every gateway's circuit is open")
        backends = closed
    failures = []
    for backend in backends:
        try:
            receipt = _send_through(backend, message, breaker=len(backends) > 1)
        except TransportError as exc:
            exc.backend = backend.name
            if exc.permanent:
                raise
            failures.append(exc)
            continue
        return Delivery(backend=backend.name, receipt=receipt)
    if len(failures) == 1:
        raise failures[0]
    error = TransportError("; ".join(str(failure) for failure in failures))
    error.backend = failures[-1].backend
    raise error


def _send_through(backend: BaseSmsBackend, message: SmsMessage, *, breaker: bool) -> Receipt:
    """One attempt at one backend, and its outcome: the one place that times it, feeds the
    circuit breaker, counts it in the metrics and logs it."""
    started = time.perf_counter()
    phone = phone_mask(message.to)
    try:
        receipt = backend.send_message(message)
    except TransportError as exc:
        elapsed = time.perf_counter() - started
        outcome = "refused" if exc.permanent else "misconfigured" if exc.misconfigured else "error"
        extra = {"phone": phone, "backend": backend.name, "outcome": outcome, "seconds": elapsed}
        delivery_observe(backend=backend.name, outcome=outcome, seconds=elapsed)
        if exc.misconfigured:
            # Our account or settings at this provider are wrong: an operator must act.
            logger.error("sms gateway %s is MISCONFIGURED: %s", backend.name, exc, extra=extra)
        else:
            logger.warning(
                "sms to %s not sent via %s (%s): %s", phone, backend.name, outcome, exc, extra=extra
            )
        if breaker and not exc.permanent:
            circuit_record_failure(backend.name)
        raise
    elapsed = time.perf_counter() - started
    delivery_observe(backend=backend.name, outcome="ok", seconds=elapsed)
    if breaker:
        circuit_record_success(backend.name)
    logger.info(
        "sms delivered to %s via %s in %.2fs",
        phone,
        type(backend).__module__,
        elapsed,
        extra={
            "phone": phone,
            "backend": backend.name,
            "outcome": "ok",
            "seconds": round(elapsed, 3),
        },
    )
    return receipt


# The message log. Its writes never stand in the way of a delivery: with the database down
# the SMS still goes out (the login code matters more than its record), and a warning says so.
# ------------------------------------------------------------------------------


# What an attempt writes over the row of an earlier attempt of the same task.
_ATTEMPT_FIELDS = [
    "attempts",
    "status",
    "backend",
    "provider_message_id",
    "price",
    "currency",
    "error",
    "sent_at",
    "updated_at",
]
_ROW_FIELDS = ["task_id", "phone", "created_at", *_ATTEMPT_FIELDS]


@cache
def _upsert_statement(vendor: str) -> str:
    """`INSERT ... ON CONFLICT (task_id) DO UPDATE SET` the attempt's fields: what
    bulk_create(update_conflicts=True) writes, as one statement in autocommit. bulk_create
    wraps even one row in a transaction: BEGIN and COMMIT, two more round trips per SMS.
    PostgreSQL and SQLite (the embedded default) both have this syntax; `vendor` keys the
    quoting."""
    quote = connection.ops.quote_name
    meta = SmsLog._meta
    columns = [quote(meta.get_field(name).column) for name in _ROW_FIELDS]
    updates = [quote(meta.get_field(name).column) for name in _ATTEMPT_FIELDS]
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 - our names
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote(meta.get_field('task_id').column)}) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in updates)
    )


def _log_write(row: SmsLog) -> None:
    fields = [SmsLog._meta.get_field(name) for name in _ROW_FIELDS]
    params = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_statement(connection.vendor), params)


def message_log_record(
    *,
    task_id: str | None,
    phone: str,
    attempt: int,
    delivery: Delivery | None = None,
    error: TransportError | None = None,
    final: bool = True,
) -> None:
    """The log row of a task's message after its attempt number `attempt` (from 1): sent
    (`delivery`), failed (`error`, `final`), or queued again for a retry (`error`, not final).

    One statement (an upsert on the task id, no transaction around it) and so one database
    round trip per attempt: the worker runs hundreds of deliveries in threads, and the log must
    cost them little. A log that cannot be written is skipped: the SMS matters more.
    """
    now = timezone.now()
    row = SmsLog(task_id=task_id, phone=phone, attempts=attempt, created_at=now, updated_at=now)
    if delivery is not None:
        receipt = delivery.receipt
        row.status, row.backend, row.sent_at = SmsLog.Status.SENT, delivery.backend, now
        row.provider_message_id = receipt.message_id or ""
        row.price, row.currency = receipt.price, receipt.currency or ""
    else:
        row.status = SmsLog.Status.FAILED if final else SmsLog.Status.QUEUED
        row.backend, row.error = error.backend or "", str(error)[:1000]
    try:
        _log_write(row)
    except DatabaseError as exc:
        logger.warning("sms log row of task %s not written: %s", task_id, exc)


FINAL = [SmsLog.Status.DELIVERED, SmsLog.Status.FAILED]


def message_log_report(*, backend: str, reports: list[StatusReport]) -> int:
    """Apply a provider's delivery reports to the log; how many rows they changed.

    Reports may come late and out of order: a row that reached a final status (delivered or
    failed) takes only another final one, never "sent" again.
    """
    updated = 0
    for report in reports:
        rows = SmsLog.objects.filter(backend=backend, provider_message_id=report.message_id)
        if report.status not in FINAL:
            rows = rows.exclude(status__in=FINAL)
        fields = {"status": report.status, "updated_at": timezone.now()}
        if report.error or report.status == SmsLog.Status.DELIVERED:
            fields["error"] = report.error
        if report.price is not None:
            fields["price"] = report.price
            fields["currency"] = report.currency or ""
        updated += rows.update(**fields)
    return updated


def message_log_prune(*, days: int) -> int:
    """Delete the rows older than `days`; how many."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SmsLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted
