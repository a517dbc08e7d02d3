"""The request id: one per HTTP request, on every log line it causes, in the web and the worker.

RequestIdMiddleware (project.middleware) sets it for the request; RequestIdFilter puts it on
every log record; the Celery signals below carry it in the headers of each task the request
enqueues, so the worker's "sms delivered" line has the id of the request that sent the code.
"""

import re
import uuid
from contextvars import ContextVar
from logging import Filter, LogRecord

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# An id that a proxy or client sent is kept when it looks like one (a UUID, a hex or
# base64-ish token): nothing that could forge or break a log line.
_SANE = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from(incoming: str | None) -> str:
    """The incoming id when it is sane, otherwise a new one."""
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(Filter):
    """Adds `request_id` to every record ("-" outside a request or a task that had one)."""

    def filter(self, record: LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


# Celery signals; project/__init__.py imports this module in the web and the worker alike.


@before_task_publish.connect
def task_publish_carries_request_id(headers: dict | None = None, **kwargs) -> None:
    """before_task_publish: the id of the request (or task) that enqueues goes with the task."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(TASK_HEADER, current)


@task_prerun.connect
def task_run_takes_request_id(task=None, **kwargs) -> None:
    """task_prerun: the task logs under the id it was sent with."""
    if task is not None and not task.request.is_eager:
        # Eager tasks run inside the request that sent them and already have its id.
        request_id.set(getattr(task.request, TASK_HEADER, None))


@task_postrun.connect
def task_done_forgets_request_id(task=None, **kwargs) -> None:
    """task_postrun: the pool's thread runs other tasks next."""
    if task is not None and not task.request.is_eager:
        request_id.set(None)
