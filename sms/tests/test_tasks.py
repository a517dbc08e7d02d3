"""The delivery task's retry policy and its message log row (the task runs in-process with
apply(), on the real PostgreSQL). Rows are found by their task id: the session's worker logs
other tests' deliveries into the same table."""

import pytest

from sms.models import SmsLog
from sms.tasks import sms_deliver
from sms.tests import gateways

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calls():
    gateways.calls.clear()


def test_a_transient_gateway_error_is_retried_until_delivered(settings):
    settings.SMS_BACKEND = "sms.tests.gateways.FlakyBackend"
    result = sms_deliver.apply(args=("+79628518753", "Your code: 1234."))
    assert result.successful()
    assert len(gateways.calls) == 3
    [row] = SmsLog.objects.filter(task_id=result.id)  # one row, however many attempts
    assert (row.status, row.attempts, row.backend, row.error) == ("sent", 3, "gateways", "")
    assert row.sent_at is not None


def test_a_permanent_gateway_error_is_not_retried(settings):
    settings.SMS_BACKEND = "sms.tests.gateways.RefusingBackend"
    result = sms_deliver.apply(args=("+79628518753", "Your code: 1234."))
    assert result.successful()  # given up on, and logged: retrying cannot help
    assert len(gateways.calls) == 1
    [row] = SmsLog.objects.filter(task_id=result.id)
    assert (row.status, row.attempts, row.backend) == ("failed", 1, "gateways")
    assert "unknown subscriber" in row.error


def test_the_task_is_acknowledged_late_and_requeued_if_the_worker_dies():
    assert sms_deliver.acks_late is True
    assert sms_deliver.reject_on_worker_lost is True
    assert sms_deliver.max_retries == 5


def test_the_log_never_holds_the_text(settings):
    settings.SMS_BACKEND = "sms.tests.gateways.FlakyBackend"
    result = sms_deliver.apply(args=("+79628518753", "Your code: 1234."))
    [row] = SmsLog.objects.filter(task_id=result.id).values()
    assert not any("1234" in str(value) for value in row.values())
