"""The delivery task's waiting: a long backoff is made of hops shorter than the broker's
visibility timeout, so that no message waits long enough to be handed out twice."""

import time

import pytest

from webhooks import tasks
from webhooks.delivery import Attempted


@pytest.fixture
def scheduled(monkeypatch):
    """What the task queues, instead of queueing it (a unit test of the policy alone)."""
    calls = []
    monkeypatch.setattr(
        tasks.webhook_deliver,
        "apply_async",
        lambda args, countdown: calls.append((args, countdown)),
    )
    return calls


def test_a_retry_far_ahead_waits_in_hops_no_longer_than_half_the_visibility_timeout(
    scheduled, monkeypatch
):
    monkeypatch.setattr(tasks, "webhook_attempt", lambda **kw: Attempted("retry", retry_in=640))
    tasks.webhook_deliver(7, 4)
    [((delivery_id, attempt, not_before), countdown)] = scheduled
    assert (delivery_id, attempt) == (7, 5)
    assert 639 < not_before - time.time() <= 640
    assert countdown == tasks.HOP_SECONDS <= 30


def test_a_hop_before_its_time_only_queues_the_next_hop(scheduled, monkeypatch):
    monkeypatch.setattr(tasks, "webhook_attempt", lambda **kw: pytest.fail("attempted early"))
    not_before = time.time() + 12
    tasks.webhook_deliver(7, 5, not_before)
    [((_, attempt, again), countdown)] = scheduled
    assert (attempt, again) == (5, not_before)
    assert 11 < countdown <= 12


def test_a_due_hop_makes_the_attempt(scheduled, monkeypatch):
    made = []
    monkeypatch.setattr(
        tasks, "webhook_attempt", lambda **kw: made.append(kw) or Attempted("delivered")
    )
    tasks.webhook_deliver(7, 5, time.time() - 1)
    assert made == [{"delivery_id": 7, "attempt": 5}]
    assert scheduled == []
