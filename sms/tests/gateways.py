"""Gateways that fail, for the task's retry-policy tests."""

from sms.backends.base import BaseSmsBackend, SmsMessage, TransportError

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
