"""An HTTP client of the live API, and the one login: send a code, read it from the dev inbox,
verify it.

The simulated gateway delivers the SMS into the dev inbox (`/api/v1/dev/sms/`) 1-2 s after
send-code; `code_from_sms` is the one place that knows how a code stands in an SMS.
"""

import http.client
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

# The login code in the SMS text: the first run of 4 to 8 digits standing on its own.
CODE_IN_SMS = re.compile(r"\b(\d{4,8})\b")

SEND_CODE = "/api/v1/auth/send-code/"
VERIFY_CODE = "/api/v1/auth/verify-code/"
PROFILE = "/api/v1/profile/"
INBOX = "/api/v1/dev/sms/"


def code_from_sms(text: str) -> str:
    found = CODE_IN_SMS.search(text)
    if found is None:
        raise ValueError(f"no login code in the SMS {text!r}")
    return found.group(1)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | list | None  # the JSON body; {"not_json": ...} when it was something else
    headers: dict = field(repr=False)
    seconds: float = field(repr=False)
    text: str = field(repr=False, default="")  # the body as it came, decoded

    @property
    def code(self) -> str | None:
        """The contract's error code of a 4xx/5xx JSON answer."""
        return self.body.get("code") if isinstance(self.body, dict) else None


class LoginFailed(RuntimeError):
    """A step of the login (`send-code` or `verify-code`) answered something else than it
    should have; `answer` is that answer."""

    def __init__(self, step: str, phone: str, answer: Answer) -> None:
        self.step, self.phone, self.answer = step, phone, answer
        super().__init__(f"{step} for {phone} answered {answer.status}: {answer.body}")


class Api:
    """Calls of one client of the service at `base` (`http://127.0.0.1:8000`).

    A connection per call, so that one Api can be shared by threads.
    """

    def __init__(self, base: str, *, timeout: float = 10, headers: dict | None = None) -> None:
        parts = urlsplit(base)
        self.base = base.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.headers = headers or {}

    def call(
        self, method: str, path: str, body=None, *, token: str | None = None, headers=None
    ) -> Answer:
        sent = {"Accept": "application/json", **self.headers, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, None if body is None else json.dumps(body), sent)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = {"not_json": raw[:200].decode(errors="replace")}
        return Answer(
            response.status,
            data,
            dict(response.getheaders()),
            time.monotonic() - started,
            raw.decode(errors="replace"),
        )

    def get(self, path: str, **kwargs) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> Answer:
        return self.call("POST", path, {} if body is None else body, **kwargs)

    def send_code(self, phone: str, **kwargs) -> Answer:
        return self.post(SEND_CODE, {"phone": phone}, **kwargs)

    def verify_code(self, phone: str, code: str, **kwargs) -> Answer:
        return self.post(VERIFY_CODE, {"phone": phone, "code": code}, **kwargs)

    def inbox(self, phone: str) -> list[dict]:
        """The SMS the simulated gateway delivered to `phone`, newest first."""
        answer = self.get(f"{INBOX}?phone={quote(phone)}")
        if answer.status != 200:
            raise RuntimeError(f"the dev inbox answered {answer.status}: {answer.body}")
        return answer.body["results"]

    def read_code(
        self,
        phone: str,
        *,
        after: int = 0,
        timeout: float = 15,
        patient: bool = False,
        interval: float = 0.05,
    ) -> str:
        """The code of the newest SMS to `phone`, once more than `after` have arrived; the
        inbox is read every `interval` seconds.

        `patient`: an inbox that cannot be read right now (a drill's outage) is read again
        until `timeout`, as a phone would still get the SMS later.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                messages = self.inbox(phone)
            except (RuntimeError, OSError):
                if not patient:
                    raise
                messages = []
            if len(messages) > after:
                return code_from_sms(messages[0]["text"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"no SMS reached {phone} within {timeout} s")
            time.sleep(interval)

    def login(
        self, phone: str, *, timeout: float = 15, patient: bool = False, interval: float = 0.05
    ) -> dict:
        """Log `phone` in as a person would: its verify-code answer (tokens and profile).

        Raises LoginFailed (send-code or verify-code refused) or TimeoutError (no SMS).
        """
        sent = self.send_code(phone)
        if sent.status != 202:
            raise LoginFailed("send-code", phone, sent)
        code = self.read_code(phone, timeout=timeout, patient=patient, interval=interval)
        verified = self.verify_code(phone, code)
        if verified.status != 200:
            raise LoginFailed("verify-code", phone, verified)
        return verified.body
