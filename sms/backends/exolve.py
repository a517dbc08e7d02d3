"""MTS Exolve SMS API (https://docs.exolve.ru/docs/ru/api-reference/sms-api/sending-sms).

The request, as the API page and Exolve's own examples (mtsexolve-examples/2FA) send it:
`POST {EXOLVE_API_URL}/messaging/v1/SendSMS`, `Authorization: Bearer <the application's API
key>`, a JSON body `{"number": <sender: an Exolve number or alpha name>, "destination":
"79XXXXXXXXX", "text": ...}`. A taken message is answered `{"message_id": "<id>"}`.

Not documented where we could read it, so assumed (docs/sms-gateways.md says the same):
- errors are non-2xx with `{"error": {"code", "message", "details"}}` (gRPC-gateway style, as
  third-party clients read them); a 400 that names the destination, or "Number does not
  exist", refuses the number; any other 4xx means our key or sender is wrong; 5xx/429 are
  transient. No price comes with the answer.
- delivery reports: the application's webhook URL gets a JSON POST per status change, with
  `message_id`, `direction` and a `delivery_status` enum (`DELIVERY_STATUS_*`), unsigned; the
  secret token in the URL authenticates it.
"""

from django.conf import settings
from rest_framework.request import Request

from sms.backends.base import Receipt, SmsMessage
from sms.backends.http import HttpSmsBackend, StatusReport, digits
from sms.errors import InvalidCallback

REFUSED_HINTS = ("destination", "number does not exist")
FAILED_HINTS = ("UNDELIVERED", "NOT_DELIVERED", "FAILED", "REJECTED", "EXPIRED", "ERROR")


class SmsBackend(HttpSmsBackend):
    name = "exolve"

    def send_message(self, message: SmsMessage) -> Receipt:
        body = {
            "number": settings.EXOLVE_FROM,
            "destination": digits(message.to),
            "text": message.body,
        }
        url = settings.EXOLVE_API_URL.rstrip("/") + "/messaging/v1/SendSMS"
        headers = {"Authorization": f"Bearer {settings.EXOLVE_API_KEY}"}
        response = self.request("POST", url, json=body, headers=headers)
        if response.is_success:
            answer = self.json(response)
            if not isinstance(answer, dict) or answer.get("message_id") in (None, ""):
                raise self.unavailable("an answer without a message_id")
            return Receipt(message_id=str(answer["message_id"]))
        detail = f"HTTP {response.status_code}: {self.error_message(response)}"
        code = str(response.status_code)
        if response.status_code == 400 and any(hint in detail.lower() for hint in REFUSED_HINTS):
            raise self.refused(detail, code=code)
        if response.status_code == 402:
            raise self.unavailable(detail, code=code)  # no balance
        raise self.misconfigured(detail, code=code)

    @staticmethod
    def error_message(response) -> str:
        try:
            answer = response.json()
        except ValueError:
            return response.text[:200]
        if isinstance(answer, dict):
            error = answer.get("error", answer)
            if isinstance(error, dict):
                return str(error.get("message") or error)[:200]
            return str(error)[:200]
        return str(answer)[:200]

    @classmethod
    def parse_callback(cls, request: Request) -> list[StatusReport]:
        event = request.data
        if hasattr(event, "dict"):
            event = event.dict()
        if not isinstance(event, dict) or event.get("message_id") in (None, ""):
            raise InvalidCallback
        direction = str(event.get("direction") or "DIRECTION_OUTGOING")
        status = str(event.get("delivery_status") or "").upper()
        if direction != "DIRECTION_OUTGOING" or not status:
            return []  # an incoming SMS, or a billing-only event
        message_id = str(event["message_id"])
        if any(hint in status for hint in FAILED_HINTS):
            error = f"exolve {status}"
            return [StatusReport(message_id=message_id, status="failed", error=error)]
        if status.endswith("DELIVERED"):
            return [StatusReport(message_id=message_id, status="delivered")]
        return [StatusReport(message_id=message_id, status="sent")]
