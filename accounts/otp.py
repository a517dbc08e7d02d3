"""The login-code store: a code exists here only as a keyed hash, next to its attempt counter.

Per phone (itself keyed by an HMAC, so no phone number appears in a key) the cache holds the
code's hash and how many times it was tried, both with the code's TTL; the send limits
(cooldown, per hour, per day) are moving windows of the `limits` library on the same Redis.
Each step that a race could break is one atomic operation: `incr` reserves an attempt before
the code is compared (so concurrent guesses cannot exceed the budget), and `delete` lets
exactly one of several concurrent right answers consume the code.
"""

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.core.validators import RegexValidator
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from accounts.errors import CodeExpired, InvalidCode, ResendTooSoon, TooManyAttempts, TooManyCodes

validate_code_format = RegexValidator(
    r"\A[0-9]{4}\Z", message=_("The code is 4 digits."), code="invalid"
)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_in: int
    resend_in: int


def _phone_key(phone: str) -> str:
    return salted_hmac("accounts.otp.phone", phone).hexdigest()[:32]


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("accounts.otp.code", f"{phone}:{code}").hexdigest()


def _code_key(phone_key: str) -> str:
    return f"otp:code:{phone_key}"


def _attempts_key(phone_key: str) -> str:
    return f"otp:attempts:{phone_key}"


def _limiter() -> MovingWindowRateLimiter:
    return _limiter_for(settings.RATE_LIMIT_STORAGE_URL)


@memoize
def _limiter_for(url: str) -> MovingWindowRateLimiter:
    options = {}
    if url.startswith("redis"):
        timeout = settings.REDIS_TIMEOUT_SECONDS
        options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return MovingWindowRateLimiter(storage_from_string(url, **options))


def _cooldown() -> RateLimitItem | None:
    seconds = settings.OTP_RESEND_COOLDOWN_SECONDS
    return RateLimitItemPerSecond(1, seconds, namespace="otp") if seconds > 0 else None


def _caps() -> tuple[RateLimitItem, RateLimitItem]:
    return (
        RateLimitItemPerHour(settings.OTP_MAX_PER_HOUR, namespace="otp"),
        RateLimitItemPerDay(settings.OTP_MAX_PER_DAY, namespace="otp"),
    )


def _seconds_until_free(limit: RateLimitItem, phone_key: str) -> float:
    stats = _limiter().get_window_stats(limit, phone_key)
    return 0 if stats.remaining > 0 else stats.reset_time - time.time()


def otp_resend_in(*, phone: str) -> float:
    """Seconds until a new code can be sent to this phone (0: now)."""
    phone_key = _phone_key(phone)
    limits = [limit for limit in (_cooldown(), *_caps()) if limit is not None]
    return max(_seconds_until_free(limit, phone_key) for limit in limits)


@contextmanager
def otp_issue(*, phone: str) -> Iterator[IssuedCode]:
    """Draw a new code for `phone`, replacing any previous one, and yield it for delivery.

    If the block raises (the SMS could not be queued), the code and its cooldown are taken
    back, so a retry is not refused; only a send that went through counts against the caps.
    Concurrent sends to one phone are serialised by the atomic cooldown hit, which is why the
    caps can be tested first and counted after.
    """
    phone_key = _phone_key(phone)
    limiter = _limiter()
    # A send refused by a cap must not use up the cooldown, so the caps are read first.
    for cap in _caps():
        if not limiter.test(cap, phone_key):
            raise TooManyCodes(retry_after=_seconds_until_free(cap, phone_key))
    cooldown = _cooldown()
    if cooldown is not None and not limiter.hit(cooldown, phone_key):
        raise ResendTooSoon(retry_after=_seconds_until_free(cooldown, phone_key))

    code = f"{secrets.randbelow(10_000):04d}"
    ttl = settings.OTP_TTL_SECONDS
    cache.set_many(
        {_code_key(phone_key): _code_hash(phone, code), _attempts_key(phone_key): 0}, timeout=ttl
    )
    try:
        yield IssuedCode(code=code, expires_in=ttl, resend_in=settings.OTP_RESEND_COOLDOWN_SECONDS)
    except BaseException:
        cache.delete_many([_code_key(phone_key), _attempts_key(phone_key)])
        if cooldown is not None:
            limiter.clear(cooldown, phone_key)
        raise
    for cap in _caps():
        limiter.hit(cap, phone_key)


def otp_consume(*, phone: str, code: str) -> None:
    """Accept `code` for `phone` once, or raise why not.

    The 5th wrong code (OTP_MAX_ATTEMPTS) kills the code: until a new one is sent, every try
    answers TooManyAttempts, the right code included.
    """
    phone_key = _phone_key(phone)
    code_key, attempts_key = _code_key(phone_key), _attempts_key(phone_key)
    max_attempts = settings.OTP_MAX_ATTEMPTS
    try:
        # Reserve an attempt before looking at the code: concurrent guesses cannot overrun.
        attempt = cache.incr(attempts_key)
    except ValueError:  # no counter: nothing was sent, or it expired or was used
        raise CodeExpired from None
    if attempt > max_attempts:
        raise TooManyAttempts(retry_after=otp_resend_in(phone=phone))

    stored = cache.get(code_key)
    if stored is None:
        raise CodeExpired
    if constant_time_compare(stored, _code_hash(phone, code)):
        if not cache.delete(code_key):  # a concurrent request with the same code won
            raise CodeExpired
        cache.delete(attempts_key)
        return

    if attempt == max_attempts:
        resend_in = otp_resend_in(phone=phone)
        cache.delete(code_key)
        # Keep the exhausted counter alive at least until a new code may be sent.
        cache.touch(attempts_key, timeout=max(settings.OTP_TTL_SECONDS, resend_in))
        raise TooManyAttempts(retry_after=resend_in)
    raise InvalidCode(attempts_left=max_attempts - attempt)
