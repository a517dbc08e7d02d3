"""The delivery task's retry policy (unit tests: the task runs in-process with apply())."""

import pytest

from sms.tasks import sms_deliver
from sms.tests import gateways


@pytest.fixture(autouse=True)
def _calls():
    gateways.calls.clear()


def test_a_transient_gateway_error_is_retried_until_delivered(settings):
    settings.SMS_BACKEND = "sms.tests.gateways.FlakyBackend"
    result = sms_deliver.apply(args=("+79628518753", "Your code: 1234."))
    assert result.successful()
    assert len(gateways.calls) == 3


def test_a_permanent_gateway_error_is_not_retried(settings):
    settings.SMS_BACKEND = "sms.tests.gateways.RefusingBackend"
    result = sms_deliver.apply(args=("+79628518753", "Your code: 1234."))
    assert result.successful()  # given up on, and logged: retrying cannot help
    assert len(gateways.calls) == 1


def test_the_task_is_acknowledged_late_and_requeued_if_the_worker_dies():
    assert sms_deliver.acks_late is True
    assert sms_deliver.reject_on_worker_lost is True
    assert sms_deliver.max_retries == 5
