"""Tells gunicorn's arbiter that this worker is alive while a long response streams.

A sync worker reports to the arbiter only between requests, so a streamed response that
lasts longer than gunicorn's `timeout` (the admin's CSV export of a million referrals) would
have its worker killed mid-download. gunicorn.conf.py's post_worker_init hook registers the
worker here, and long streams report between their blocks. Outside gunicorn (runserver, the
tests, the Celery worker) nothing is registered and reporting does nothing.
"""

from collections.abc import Iterable, Iterator
from typing import TypeVar

Block = TypeVar("Block")


class _Heartbeat:
    worker = None


def worker_register(worker) -> None:
    _Heartbeat.worker = worker


def alive() -> None:
    if _Heartbeat.worker is not None:
        _Heartbeat.worker.notify()


def reporting_alive(blocks: Iterable[Block]) -> Iterator[Block]:
    """`blocks`, reporting to the arbiter before each one."""
    for block in blocks:
        alive()
        yield block
