"""The gateways' circuit breaker, shared by every worker through Redis.

A backend that failed transiently SMS_CIRCUIT_FAILURES times within SMS_CIRCUIT_WINDOW_SECONDS
is open (skipped) for SMS_CIRCUIT_OPEN_SECONDS. When that time is up the next message tries it
again (half-open): a success forgets its failures and closes the circuit; a failure while the
earlier ones are still inside the window opens it again at once.

Keys: `sms:circuit:<backend>:failures`, a sorted set of failure times that trims itself to the
window, and `sms:circuit:<backend>:open`, which exists while the circuit is open. If Redis
cannot be reached the circuit counts as closed: sending matters more than skipping.
"""

import logging
import time
import uuid

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _failures_key(backend: str) -> str:
    return f"sms:circuit:{backend}:failures"


def _open_key(backend: str) -> str:
    return f"sms:circuit:{backend}:open"


def circuit_is_open(backend: str) -> bool:
    try:
        return bool(get_redis_connection("default").exists(_open_key(backend)))
    except RedisError as exc:
        logger.warning("sms circuit state of %s unreadable, taken as closed: %s", backend, exc)
        return False


def circuit_record_failure(backend: str) -> bool:
    """Count a transient failure; open the circuit when there are enough. True if it opened."""
    now = time.time()
    window = settings.SMS_CIRCUIT_WINDOW_SECONDS
    key = _failures_key(backend)
    try:
        redis = get_redis_connection("default")
        with redis.pipeline() as transaction:
            transaction.zadd(key, {f"{now}:{uuid.uuid4().hex}": now})
            transaction.zremrangebyscore(key, "-inf", now - window)
            transaction.zcard(key)
            transaction.expire(key, window)
            failures = transaction.execute()[2]
        if failures < settings.SMS_CIRCUIT_FAILURES:
            return False
        opened = redis.set(_open_key(backend), now, ex=settings.SMS_CIRCUIT_OPEN_SECONDS, nx=True)
    except RedisError as exc:
        logger.warning("sms circuit of %s: failure not counted: %s", backend, exc)
        return False
    if opened:
        logger.error(
            "sms circuit of %s opened: %d failures within %d s; skipped for %d s",
            backend,
            failures,
            window,
            settings.SMS_CIRCUIT_OPEN_SECONDS,
        )
    return bool(opened)


def circuit_record_success(backend: str) -> None:
    try:
        get_redis_connection("default").delete(_failures_key(backend), _open_key(backend))
    except RedisError as exc:
        logger.warning("sms circuit of %s: success not recorded: %s", backend, exc)
