"""The message log's write: one upsert per attempt, in autocommit (a worker's thread makes one
database round trip per attempt, not three). Rows are found by their task id: the session's
worker logs other tests' deliveries into the same table."""

import uuid

import pytest
from django.db import connection

from sms.backends.base import TransportError
from sms.models import SmsLog
from sms.services import message_log_record

PHONE = "+79005550101"


def failure(message: str, backend: str, **kwargs) -> TransportError:
    error = TransportError(message, **kwargs)
    error.backend = backend  # as sms.services sets it when failing over
    return error


def statements_of(action) -> list[tuple[str, bool]]:
    """Each statement `action` runs: its first word, and whether a transaction was open."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql.split()[0], connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return seen


@pytest.mark.django_db(transaction=True)
def test_an_attempt_is_one_statement_outside_any_transaction():
    task_id = uuid.uuid4().hex
    failed = failure("gateway timed out", "smsru")
    assert statements_of(
        lambda: message_log_record(
            task_id=task_id, phone=PHONE, attempt=1, error=failed, final=False
        )
    ) == [("INSERT", False)]
    row = SmsLog.objects.get(task_id=task_id)
    assert (row.status, row.attempts, row.backend, row.error) == (
        "queued",
        1,
        "smsru",
        "gateway timed out",
    )


@pytest.mark.django_db
def test_a_later_attempt_overwrites_the_attempts_fields_and_keeps_the_row():
    task_id = uuid.uuid4().hex
    message_log_record(
        task_id=task_id,
        phone=PHONE,
        attempt=1,
        error=failure("gateway timed out", "smsru"),
        final=False,
    )
    first = SmsLog.objects.get(task_id=task_id)
    message_log_record(
        task_id=task_id,
        phone=PHONE,
        attempt=2,
        error=failure("unknown subscriber", "twilio", permanent=True),
    )
    row = SmsLog.objects.get(task_id=task_id)
    assert (row.pk, row.created_at) == (first.pk, first.created_at)
    assert (row.status, row.attempts, row.backend, row.error) == (
        "failed",
        2,
        "twilio",
        "unknown subscriber",
    )
    assert row.updated_at >= first.updated_at
