"""A gateway that writes each message to standard output, like Django's console e-mail backend."""

import sys
import threading

from sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def __init__(self, *, stream=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}: {message.body}\n")
            self.stream.flush()
        return len(messages)
