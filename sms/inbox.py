"""The dev inbox: the simulated phone, where delivered messages stay readable for the code TTL.

One Redis list per phone, newest first: a delivery pushes, trims and renews it in a single
transaction, so concurrent deliveries to one phone never overwrite each other.
"""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_redis import get_redis_connection

INBOX_SIZE = 20


def _inbox_key(phone: str) -> str:
    return f"sms:inbox:{phone}"


def inbox_add(*, phone: str, text: str) -> None:
    key = _inbox_key(phone)
    message = {"phone": phone, "text": text, "sent_at": timezone.now().isoformat()}
    with get_redis_connection("default").pipeline() as transaction:
        transaction.lpush(key, json.dumps(message))
        transaction.ltrim(key, 0, INBOX_SIZE - 1)
        transaction.expire(key, settings.OTP_TTL_SECONDS)
        transaction.execute()


def inbox_messages(*, phone: str) -> list[dict]:
    """The newest messages to `phone` first, at most INBOX_SIZE."""
    stored = get_redis_connection("default").lrange(_inbox_key(phone), 0, INBOX_SIZE - 1)
    messages = [json.loads(raw) for raw in stored]
    for message in messages:
        message["sent_at"] = parse_datetime(message["sent_at"])
    return messages
