# ruff: noqa: RUF001 - the providers answer in Russian, as they do
"""Fake SMS providers: real HTTP servers on loopback (pytest-httpserver) that answer the way each
provider's published API does. Where each answer comes from:

- SMS.ru: https://sms.ru/api/send (the answer with `json=1`, its codes), answers recorded live
  against sms.ru in svyatov/smsru_ruby test/cassettes (HTTP 200 whatever happened,
  `application/json; charset=utf-8`, a `Sms-Api: 1` header, 4-space indented JSON with `/`
  escaped), request-level errors `{"status": "ERROR", "status_code": N, "status_text": ...}`.
- SMS Aero v2: https://smsaero.ru/integration/documentation/api/ through the official SDKs
  (smsaero/smsaero_python: `send_sms`, `check_response`; smsaero/smsaero_golang): basic auth,
  `{"success": true, "data": {...}, "message": null}`, `{"success": false, "data": ...,
  "message": ...}`, `{"result": "no credits"}`.
- MTS Exolve: https://docs.exolve.ru/docs/ru/api-reference/sms-api/sending-sms (Bearer key,
  JSON `number`/`destination`/`text`, `{"message_id": ...}`); the error body is not documented:
  `{"error": {"code", "message", "details"}}` is assumed, in the gRPC-gateway style that
  third-party clients read.
- Twilio: https://www.twilio.com/docs/messaging/api/message-resource and its OpenAPI file
  (twilio/twilio-oai spec/json/twilio_api_v2010.json: the `create` example answered with 201),
  errors as https://www.twilio.com/docs/api/errors/21211 documents them
  (`{"code", "message", "more_info", "status"}`).

Each fake keeps what it received (`requests`) and answers according to `mode`, which a test
sets: "ok", or one of the error answers of that provider.
"""

import json
import threading
import time
from decimal import Decimal

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class FakeProvider:
    path = "/"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server.expect_request(self.path).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def _handle(self, request: Request) -> Response:
        request.get_data()  # keep the body readable after the answer
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self.answer(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def answer(self, request: Request) -> Response:
        raise NotImplementedError

    @property
    def texts(self) -> list[str]:
        raise NotImplementedError


def json_response(body, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(body), status=status, content_type=content_type)


class FakeSmsRu(FakeProvider):
    """POST /sms/send. Modes: ok, a per-number code (202, 207, ...), a request-level code
    ("request:200", "request:201", "request:220"), "http:500", "garbage"."""

    path = "/sms/send"
    SMS_ID = "202626-1000002"

    def answer(self, request: Request) -> Response:
        values = request.values  # the docs show GET, the official class POSTs a form
        number = values.get("to", "")
        if self.mode.startswith("http:"):
            return Response("Internal Server Error", status=int(self.mode[5:]))
        if self.mode == "garbage":
            return Response("<html>502 Bad Gateway</html>", content_type="text/html")
        if self.mode.startswith("request:"):
            code = int(self.mode[8:])
            texts = {200: "Неправильный api_id", 201: "Не хватает средств на лицевом счету"}
            body = {"status": "ERROR", "status_code": code, "status_text": texts.get(code, "")}
        elif self.mode == "ok":
            sms = {"status": "OK", "status_code": 100, "sms_id": self.SMS_ID}
            body = {"status": "OK", "status_code": 100, "sms": {number: sms}, "balance": 4122.56}
        else:
            code = int(self.mode)
            text = {
                202: "Неправильно указан номер телефона получателя, либо на него нет маршрута",
                207: (
                    "На этот номер (или один из номеров) нельзя отправлять сообщения, либо "
                    "указано более 100 номеров в списке получателей"
                ),
                220: "Сервис временно недоступен, попробуйте чуть позже",
            }.get(code, "")
            sms = {"status": "ERROR", "status_code": code, "status_text": text}
            body = {"status": "OK", "status_code": 100, "sms": {number: sms}, "balance": 4122.56}
        # As sms.ru sends it: indented by 4, slashes escaped, Cyrillic raw, and its header.
        text = json.dumps(body, indent=4, ensure_ascii=False).replace("/", "\\/")
        return Response(
            text.encode(),
            status=200,
            content_type="application/json; charset=utf-8",
            headers={"Sms-Api": "1"},
        )

    @property
    def texts(self) -> list[str]:
        return [
            request.values.get("msg") or request.values.get("text") for request in self.requests
        ]


class FakeSmsAero(FakeProvider):
    """POST /v2/sms/send. Modes: ok, "invalid_number", "bad_credentials", "no_credits",
    "reject", "http:500"."""

    path = "/v2/sms/send"
    MESSAGE_ID = 539820423

    def answer(self, request: Request) -> Response:
        if self.mode.startswith("http:"):
            return Response("Bad Gateway", status=int(self.mode[5:]))
        body = request.get_json(silent=True) or request.values.to_dict()
        if self.mode == "invalid_number":
            return json_response(
                {
                    "success": False,
                    "data": {"number": ["incorrect"]},
                    "message": "Validation error.",
                },
                status=400,
            )
        if self.mode == "bad_credentials":
            message = "Your request was made with invalid credentials."
            return json_response({"success": False, "data": None, "message": message}, status=401)
        if self.mode == "no_credits":
            return json_response({"result": "no credits"})
        if self.mode == "reject":
            return json_response({"result": "reject", "reason": "The number is blocked"})
        return json_response(
            {
                "success": True,
                "data": {
                    "id": self.MESSAGE_ID,
                    "from": body.get("sign"),
                    "number": str(body.get("number")),
                    "text": body.get("text"),
                    "status": 8,
                    "extendStatus": "moderation",
                    "channel": "FREE SIGN",
                    "cost": 4.19,
                    "dateCreate": 1719119523,
                    "dateSend": 1719119523,
                },
                "message": None,
            }
        )

    @property
    def texts(self) -> list[str]:
        return [request.get_json()["text"] for request in self.requests]


class FakeExolve(FakeProvider):
    """POST /messaging/v1/SendSMS. Modes: ok, "invalid_destination", "unauthenticated",
    "http:503"."""

    path = "/messaging/v1/SendSMS"
    MESSAGE_ID = "572123456789012345"

    def answer(self, request: Request) -> Response:
        if self.mode.startswith("http:"):
            return Response("Service Unavailable", status=int(self.mode[5:]))
        if self.mode == "invalid_destination":
            message = "invalid SendRequest.Destination: value does not match regex pattern"
            return json_response({"error": {"code": 3, "message": message, "details": []}}, 400)
        if self.mode == "unauthenticated":
            error = {"code": 16, "message": "unauthenticated", "details": []}
            return json_response({"error": error}, status=401)
        return json_response({"message_id": self.MESSAGE_ID})

    @property
    def texts(self) -> list[str]:
        return [request.get_json()["text"] for request in self.requests]


class FakeTwilio(FakeProvider):
    """POST /2010-04-01/Accounts/<sid>/Messages.json. Modes: ok, a Twilio error code (21211,
    21614, 20003, 20429), "http:500"."""

    ACCOUNT_SID = "AC" + "a" * 32
    AUTH_TOKEN = "twilio-test-auth-token"
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    SID = "SM" + "b" * 32
    ERRORS = {
        21211: (400, "The 'To' number 5551234567 is not a valid phone number."),
        21614: (400, "'To' number is not a valid mobile number"),
        20003: (401, "Authentication Error - invalid username"),
        20429: (429, "Too Many Requests"),
    }

    def answer(self, request: Request) -> Response:
        if self.mode.startswith("http:"):
            return Response("Internal Server Error", status=int(self.mode[5:]))
        if self.mode != "ok":
            code = int(self.mode)
            status, message = self.ERRORS[code]
            more_info = f"https://www.twilio.com/docs/errors/{code}"
            body = {"code": code, "message": message, "more_info": more_info, "status": status}
            return json_response(body, status=status)
        form = request.form
        uri = f"/2010-04-01/Accounts/{self.ACCOUNT_SID}/Messages/{self.SID}"
        return json_response(
            {
                "account_sid": self.ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form.get("Body"),
                "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
                "date_sent": None,
                "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "num_media": "0",
                "num_segments": "1",
                "price": "-0.05250",
                "price_unit": "USD",
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "sid": self.SID,
                "status": "queued",
                "subresource_uris": {"media": f"{uri}/Media.json"},
                "to": form.get("To"),
                "uri": f"{uri}.json",
            },
            status=201,
        )

    @property
    def texts(self) -> list[str]:
        return [request.form["Body"] for request in self.requests]


TWILIO_PRICE = Decimal("0.05250")
