"""A gateway that keeps messages in `sms.outbox`, for unit tests."""

import sms
from sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        sms.outbox.extend(messages)
        return len(messages)
