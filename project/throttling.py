"""Per-client-IP and per-user throttles, the outer fence; their rates are settings.

DRF's own throttles keep a list of timestamps per client, read and rewritten on every request
(not atomic, and slower the higher the rate). These use the `limits` library's sliding-window
counter instead: one atomic Redis call, whatever the rate. The per-phone limits and the
attempt counter are the real brute-force defence; they live in the code store, and so do the
per-client-IP rates of send-code and verify-code (THROTTLE_SEND_CODE, THROTTLE_VERIFY_CODE),
checked in its one script per request with the same sliding-window counter. A throttle
whose Redis is down lets requests through (and logs it) rather than take the API down.
"""

import logging
import time
from functools import cache

from django.conf import settings
from django_redis import get_redis_connection
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from redis import ConnectionPool
from rest_framework.throttling import BaseThrottle

from project.outages import INFRASTRUCTURE_ERRORS

logger = logging.getLogger(__name__)


@cache
def _limiter_on(pool: ConnectionPool) -> SlidingWindowCounterRateLimiter:
    return SlidingWindowCounterRateLimiter(RedisStorage("redis://", connection_pool=pool))


def limiter() -> SlidingWindowCounterRateLimiter:
    """The limiter on the default cache's Redis (an in-process one in the embedded default)."""
    return _limiter_on(get_redis_connection("default").connection_pool)


def client_ip(request) -> str:
    """The client's address as the per-IP throttles see it: REMOTE_ADDR, or, behind
    NUM_PROXIES proxies, the address the nearest of them wrote into X-Forwarded-For (anything
    further left is the client's to make up). The admin's login lock and the referrals' fraud
    signals take it too; DRF requests and the pages' plain ones alike."""
    return _IDENT.get_ident(request)


_IDENT = BaseThrottle()  # DRF's reading of the client address; it keeps no state


class RateThrottle(BaseThrottle):
    scope = ""
    rate_setting = ""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def key(self, request, view) -> str:
        return self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        if request.method == "OPTIONS":
            return True  # a CORS preflight asks what is allowed; it uses up nobody's budget
        # Read on every request, so that a deployment or a test can change the rate.
        rate = parse(getattr(settings, self.rate_setting))
        key = self.key(request, view)
        try:
            if limiter().hit(rate, self.scope, key):
                return True
        except INFRASTRUCTURE_ERRORS as exc:
            # A fence, not the lock: with Redis down, requests go on to the rules behind it.
            # Profiles and invites keep working; the code store answers 503 by itself.
            logger.warning("throttle %s skipped, Redis unavailable: %s", self.scope, exc)
            return True
        reset = limiter().get_window_stats(rate, self.scope, key).reset_time
        self.retry_after = max(reset - time.time(), 1)
        return False

    def wait(self) -> float | None:
        return self.retry_after


class UserThrottle(RateThrottle):
    """Per user when authenticated, per client IP otherwise."""

    scope = "user"
    rate_setting = "THROTTLE_USER"

    def key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"
