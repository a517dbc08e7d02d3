"""What every HTTP gateway shares: one httpx client per process, the timeout, the error classes.

How an answer is classified (the providers' own codes are mapped in each backend):

- transient (`TransportError`): a timeout, a refused or dropped connection, HTTP 5xx or 429,
  an answer we cannot read, the provider's "try later" or "no balance". The message goes to the
  next backend at once and counts against this backend's circuit breaker.
- permanent (`TransportError(permanent=True)`): the provider refused this number or this text.
  No other provider would do better: the message is not tried elsewhere and not retried.
- misconfigured (`TransportError(misconfigured=True)`): our own account or settings are wrong
  (bad credentials, an unapproved sender name, a geo permission missing). Transient for
  failover, since another provider may be set up right; it is logged as an error by
  sms.services so that an operator finds it, and counts against the circuit breaker.
"""

import os
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.conf import settings
from django.urls import reverse
from rest_framework.request import Request

from sms.backends.base import BaseSmsBackend, Receipt, SmsMessage, TransportError

USER_AGENT = "referral-sms/1.0 (+httpx)"

_clients: dict[tuple[int, float | None], httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client(timeout: float | None) -> httpx.Client:
    """The process's one client for this timeout: its connection pool is reused by every
    delivery and every backend (keep-alive to each provider). httpx.Client is thread-safe;
    a forked child (the prefork pool) makes a client of its own rather than share sockets."""
    key = (os.getpid(), timeout)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = httpx.Client(
                    # Each phase (connect, write, read, waiting for a pooled connection) gets
                    # the whole timeout: a provider that does not answer costs at most that.
                    timeout=httpx.Timeout(timeout),
                    # The worker's threads bound the connections; keep a few alive per host.
                    limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
                    headers={"User-Agent": USER_AGENT},
                    follow_redirects=False,
                )
                _clients[key] = client
    return client


def digits(phone: str) -> str:
    """`+79628518753` -> `79628518753`: the form the Russian providers want."""
    return phone.removeprefix("+")


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class StatusReport:
    """One delivery report from a provider, in the message log's terms."""

    def __init__(
        self,
        *,
        message_id: str,
        status: str,
        error: str = "",
        price: Decimal | None = None,
        currency: str | None = None,
    ) -> None:
        self.message_id = message_id
        self.status = status
        self.error = error
        self.price = price
        self.currency = currency

    def __repr__(self) -> str:
        return f"StatusReport({self.message_id!r}, {self.status!r}, error={self.error!r})"


class HttpSmsBackend(BaseSmsBackend):
    """A provider's HTTP API. Subclasses set `name` and implement `send_message` and
    `parse_callback`, mapping the provider's answers with the helpers below."""

    name = "http"
    # What the provider wants back from a delivery report (None: our JSON answer is fine).
    callback_answer: str | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client = http_client(self.timeout)

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            self.send_message(message)
        return len(messages)

    def send_message(self, message: SmsMessage) -> Receipt:
        raise NotImplementedError

    @classmethod
    def parse_callback(cls, request: Request) -> list[StatusReport]:
        """The reports in a provider's callback; raise sms.errors.InvalidCallback on garbage,
        sms.errors.ForgedCallback when a signature does not match."""
        raise NotImplementedError

    # The HTTP exchange and the error classes
    # --------------------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise self.unavailable(
                f"no answer within {self.timeout} s ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:  # refused, reset, DNS, TLS, a broken answer
            raise self.unavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            # The provider is down, overloaded or slowing us down: try the next one.
            raise self.unavailable(f"HTTP {response.status_code}", code=str(response.status_code))
        return response

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self.unavailable(
                f"HTTP {response.status_code} with an answer that is not JSON"
            ) from None

    def refused(self, detail: str, *, code: str | None = None) -> TransportError:
        return TransportError(f"{self.name}: {detail}", permanent=True, code=code)

    def unavailable(self, detail: str, *, code: str | None = None) -> TransportError:
        return TransportError(f"{self.name}: {detail}", code=code)

    def misconfigured(self, detail: str, *, code: str | None = None) -> TransportError:
        return TransportError(f"{self.name}: {detail}", misconfigured=True, code=code)


def callback_url(backend: str) -> str | None:
    """The delivery-report URL to give a provider with each message, if the service has one."""
    if not (settings.SMS_CALLBACK_BASE_URL and settings.SMS_CALLBACK_TOKEN):
        return None
    path = reverse(
        "sms-callback", kwargs={"backend": backend, "token": settings.SMS_CALLBACK_TOKEN}
    )
    return settings.SMS_CALLBACK_BASE_URL.rstrip("/") + path
