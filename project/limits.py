"""Limits on failures (guesses) in a moving window, atomic in Redis.

Unlike the throttles (project/throttling.py), which count every request, these count only
the failures a service reports, and refuse the attempt after too many.
"""

import logging
import time
from functools import cache

from django_redis import get_redis_connection
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis import ConnectionPool

from project.exceptions import RetryLater
from project.outages import INFRASTRUCTURE_ERRORS

logger = logging.getLogger(__name__)


@cache
def _moving_window_on(pool: ConnectionPool) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(RedisStorage("redis://", connection_pool=pool))


class FailureLimit:
    """At most `limit` failures of one kind per key in a moving window; past that, refusals.

    A moving window (the exact log of the window's failures, kept by the `limits` library in
    one atomic Redis script per call), not the throttles' sliding-window estimate: it is a
    limit on guesses, and concurrent failures past it are refused rather than counted.
    Like the throttles it lets requests through (and logs it) while Redis is down.
    """

    def __init__(self, scope: str, key: str, *, limit: int, seconds: int) -> None:
        self.scope, self.key = scope, key
        self.item = parse(f"{limit}/{seconds} second")

    def _limiter(self) -> MovingWindowRateLimiter:
        return _moving_window_on(get_redis_connection("default").connection_pool)

    def _refusal(self) -> RetryLater:
        reset = self._limiter().get_window_stats(self.item, self.scope, self.key).reset_time
        return RetryLater(retry_after=max(reset - time.time(), 1))

    def check(self) -> None:
        """Raise RetryLater when the window already holds `limit` failures."""
        self._within(lambda limiter: limiter.test(self.item, self.scope, self.key))

    def record(self) -> None:
        """Count one failure; raise RetryLater when it is past the limit (then not counted)."""
        self._within(lambda limiter: limiter.hit(self.item, self.scope, self.key))

    def _within(self, allowed) -> None:
        """Raise RetryLater unless `allowed(limiter)`; with Redis down, a fence lets through."""
        try:
            if allowed(self._limiter()):
                return
            refusal = self._refusal()
        except INFRASTRUCTURE_ERRORS as exc:
            logger.warning("limit %s skipped, Redis unavailable: %s", self.scope, exc)
            return
        raise refusal
