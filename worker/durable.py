"""The base class of every task of the app: a retry that cannot be published loses nothing."""

from celery import Task
from celery.exceptions import Reject


class DurableTask(Task):
    """Celery's Task, with the message handed back when its retry cannot be published.

    Task.retry publishes a copy of the message (with a countdown) and the worker then
    acknowledges the original. When the publish fails, because the broker is down or stalled,
    Celery rejects the original for good (`Reject(requeue=False)`), and the SMS whose sender
    was told 202 is lost. Requeued instead, the message goes back to the queue, or, while the
    broker is still away, stays unacknowledged there and is handed out again after the
    visibility timeout.
    """

    def retry(self, *args, **kwargs):
        try:
            return super().retry(*args, **kwargs)
        except Reject as rejected:
            if rejected.requeue:
                raise
            raise Reject(rejected.reason, requeue=True) from rejected
