"""Gateways that fail, for the task's retry-policy tests."""

from django_redis import get_redis_connection

from sms.backends import simulated
from sms.backends.base import BaseSmsBackend, SmsMessage, TransportError

# Phones whose next message FailOnceBackend fails: a Redis set, so that a test can mark a phone
# for a worker process of its own.
FAIL_ONCE_KEY = "sms:tests:fail-once"

calls: list[SmsMessage] = []


class FlakyBackend(BaseSmsBackend):
    """Fails twice with a transient error, then delivers."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        calls.extend(messages)
        if len(calls) <= 2:
            raise TransportError("gateway timed out")
        return len(messages)


class RefusingBackend(BaseSmsBackend):
    """Always refuses, permanently (say, a number the gateway cannot reach)."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        calls.extend(messages)
        raise TransportError("unknown subscriber", permanent=True)


class FailOnceBackend(simulated.SmsBackend):
    """The simulated gateway, except that the next message to a phone in FAIL_ONCE_KEY fails
    with a transient error (and the phone leaves the set): the task retries it."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        redis = get_redis_connection("default")
        for message in messages:
            if redis.srem(FAIL_ONCE_KEY, message.to):
                raise TransportError("the gateway is busy, try later")
        return super().send_messages(messages)
