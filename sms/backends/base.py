"""The gateway interface every SMS backend implements."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str


class TransportError(Exception):
    """The gateway did not take a message. Only a transient error is worth retrying."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BaseSmsBackend:
    def __init__(self, *, timeout: float | None = None, **kwargs) -> None:
        # How long one message may take at the gateway: with the worker's threads pool, which
        # cannot enforce Celery's time limits, this is what bounds a delivery.
        self.timeout = timeout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send the messages; return how many were sent, raise TransportError if one was not."""
        raise NotImplementedError
