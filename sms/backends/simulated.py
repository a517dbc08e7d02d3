"""A gateway that takes 1-2 s per message, then puts it in the dev inbox (the simulated phone)."""

import random
import time

from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sms.backends.base import BaseSmsBackend, SmsMessage, TransportError
from sms.inbox import inbox_add


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        low, high = settings.SMS_SIMULATED_DELAY_SECONDS
        for message in messages:
            delay = random.uniform(low, high)  # noqa: S311 - a delay, not a secret
            if self.timeout is not None and delay > self.timeout:
                time.sleep(self.timeout)
                raise TransportError(f"the gateway did not answer within {self.timeout} s")
            time.sleep(delay)
            if settings.SMS_INBOX_ENABLED:
                try:
                    inbox_add(phone=message.to, text=message.body)
                except (RedisConnectionError, RedisTimeoutError) as exc:
                    # The simulated phone is Redis: while it is down, delivery is retried.
                    raise TransportError(f"the dev inbox is unreachable: {exc}") from exc
        return len(messages)
