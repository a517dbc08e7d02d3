"""The gateway interface every SMS backend implements."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str


@dataclass(frozen=True)
class Receipt:
    """What a gateway said when it took a message: its id there and, if it said, the price."""

    message_id: str | None = None
    price: Decimal | None = None
    currency: str | None = None


class TransportError(Exception):
    """The gateway did not take a message. Only a transient error is worth retrying.

    `permanent`: the gateway refused this number or message; no gateway will do better.
    `misconfigured`: our own account or settings are wrong (a bad key, an unapproved sender);
    transient, since another gateway may be set up right, but an operator must act.
    `code`: the gateway's own error code, when it gave one.
    `backend`: the name of the backend that answered (set by sms.services when failing over).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        misconfigured: bool = False,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.misconfigured = misconfigured
        self.code = code
        self.backend: str | None = None


class BaseSmsBackend:
    def __init__(self, *, timeout: float | None = None, **kwargs) -> None:
        # How long one message may take at the gateway: with the worker's threads pool, which
        # cannot enforce Celery's time limits, this is what bounds a delivery.
        self.timeout = timeout

    @property
    def name(self) -> str:
        """The short name the message log and the callback URL know the backend by."""
        return type(self).__module__.rsplit(".", 1)[-1]

    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send the messages; return how many were sent, raise TransportError if one was not."""
        raise NotImplementedError

    def send_message(self, message: SmsMessage) -> Receipt:
        """Send one message; return what the gateway said about it (nothing, by default)."""
        self.send_messages([message])
        return Receipt()
