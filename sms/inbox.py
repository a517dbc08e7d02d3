"""The dev inbox: the simulated phone, where delivered messages stay readable for the code TTL.

Each message is a cache key of its own, numbered by an atomic counter, so concurrent
deliveries to one phone never overwrite each other.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

INBOX_SIZE = 20


def _inbox_key(phone: str) -> str:
    return f"sms:inbox:{phone}"


def inbox_add(*, phone: str, text: str) -> None:
    key, ttl = _inbox_key(phone), settings.OTP_TTL_SECONDS
    cache.add(f"{key}:last", 0, timeout=ttl)
    number = cache.incr(f"{key}:last")
    cache.touch(f"{key}:last", timeout=ttl)
    message = {"phone": phone, "text": text, "sent_at": timezone.now()}
    cache.set(f"{key}:{number}", message, timeout=ttl)


def inbox_messages(*, phone: str) -> list[dict]:
    """The newest messages to `phone` first, at most INBOX_SIZE."""
    key = _inbox_key(phone)
    last = cache.get(f"{key}:last") or 0
    keys = [f"{key}:{number}" for number in range(last, max(last - INBOX_SIZE, 0), -1)]
    found = cache.get_many(keys)
    return [found[key] for key in keys if key in found]
