"""A webhook receiver for the tests: a real HTTP server on loopback (pytest-httpserver).

It does what the Standard Webhooks spec asks of a receiver
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
"Verifying webhook authenticity"): it checks each POST's `webhook-signature` over
`webhook-id.webhook-timestamp.body` with the endpoint's secret, using the reference
`standardwebhooks` package's `Webhook.verify` (which also refuses a timestamp more than five
minutes off), and records what arrived. Any 2xx means delivered; the tests script the answers.
"""

import json
import threading
import time
from dataclasses import dataclass

import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from webhooks.events import webhook_secret_generate
from webhooks.models import WebhookEndpoint


@dataclass(frozen=True)
class Received:
    webhook_id: str
    timestamp: int
    signature: str
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self, server, secret: str) -> None:
        self.server = server
        self.secret = secret
        self.url = server.url_for("/hook")
        self.received: list[Received] = []
        self._answers: list[int] = []
        self._lock = threading.Lock()
        server.expect_request("/hook", method="POST").respond_with_handler(self._handle)

    def answer(self, *statuses: int) -> None:
        """The status codes of the next requests, in order; 204 after them."""
        self._answers = list(statuses)

    def _handle(self, request: Request) -> Response:
        body = request.get_data()
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
            verified = True
        except WebhookVerificationError:
            verified = False
        with self._lock:
            self.received.append(
                Received(
                    webhook_id=request.headers.get("webhook-id", ""),
                    timestamp=int(request.headers.get("webhook-timestamp", "0")),
                    signature=request.headers.get("webhook-signature", ""),
                    body=body,
                    verified=verified,
                )
            )
            status = self._answers.pop(0) if self._answers else 204
        return Response(status=status if verified else 401)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} webhooks in {timeout} s")
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def receiver(httpserver_ipv4) -> Receiver:
    return Receiver(httpserver_ipv4, webhook_secret_generate())


@pytest.fixture
def endpoint(receiver, db) -> WebhookEndpoint:
    """An active endpoint for every event, pointing at the receiver."""
    return WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret)
