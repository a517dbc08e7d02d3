"""A task whose retry cannot be published keeps its message (the Redis-stall drill, in
drills/test_redis.py, shows it on a live stack)."""

import pytest
from celery.exceptions import Reject, Retry
from kombu import Connection

from harness import closed_port
from worker.celery import app
from worker.durable import DurableTask

TASK = "sms.tasks.sms_deliver"


def retry_as_a_worker_would(broker_url: str):
    """The delivery task's retry, from inside a worker's request, published to `broker_url`."""
    task = app.tasks[TASK]
    task.push_request(id="a-task", args=("+79628518753", "text"), retries=0, called_directly=False)
    try:
        with Connection(broker_url, connect_timeout=0.5) as connection:
            return task.retry(
                exc=RuntimeError("gateway timed out"),
                countdown=60,
                connection=connection,
                retry_policy={"max_retries": 0},
            )
    finally:
        task.pop_request()


def test_every_task_of_the_app_is_durable():
    assert issubclass(app.Task, DurableTask)
    assert isinstance(app.tasks[TASK], DurableTask)


def test_a_retry_that_cannot_be_published_hands_the_message_back():
    with pytest.raises(Reject) as rejected:
        retry_as_a_worker_would(f"redis://127.0.0.1:{closed_port()}/0")
    assert rejected.value.requeue is True


def test_a_published_retry_is_a_retry(own_redis):
    with pytest.raises(Retry):
        retry_as_a_worker_would(own_redis.database(1))
