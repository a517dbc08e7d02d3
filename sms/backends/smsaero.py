"""SMS Aero API v2 (https://smsaero.ru/integration/documentation/api/): JSON over basic auth.

The request is the official Python SDK's (smsaero/smsaero_python, `SmsAero.send_sms`):
`POST {SMSAERO_API_URL}/sms/send`, HTTP basic auth `email:api_key`, a JSON body
`{"number": 79031234567, "text": ..., "sign": ..., "callbackUrl": ...}` (the number an integer
of digits, `callbackUrl` null unless the service has a public callback URL). The answer is
`{"success": true, "data": {"id", "status", "extendStatus", "cost", ...}, "message": null}`;
`cost` is in roubles. Errors: `{"success": false, "data": {field: [...]}|null, "message": ...}`,
or the older `{"result": "no credits"}` and `{"result": "reject", "reason": ...}` that every
official SDK still checks.

Delivery reports: the SDK docs say only that the system POSTs the message's status to
`callbackUrl` and expects HTTP 200. Assumed here: the body is the status object of
`/sms/status` (`id`, `status`, `extendStatus`, `cost`, ...), as JSON or as a form, possibly
inside the usual `data` envelope; status 1 is delivered, 2 (undelivered) and 6 (rejected)
failed, anything else still on its way.
"""

from django.conf import settings
from rest_framework.request import Request

from sms.backends.base import Receipt, SmsMessage
from sms.backends.http import HttpSmsBackend, StatusReport, callback_url, decimal_or_none, digits
from sms.errors import InvalidCallback

CURRENCY = "RUB"
DELIVERED = {1}
FAILED = {2: "not delivered", 6: "rejected"}
# Fields whose validation errors mean "this number" or "this text": no provider would do better.
REFUSED_FIELDS = {"number", "numbers", "text"}


class SmsBackend(HttpSmsBackend):
    name = "smsaero"

    def send_message(self, message: SmsMessage) -> Receipt:
        body = {
            "number": int(digits(message.to)),
            "text": message.body,
            "sign": settings.SMSAERO_SIGN,
            "callbackUrl": callback_url(self.name),
        }
        url = settings.SMSAERO_API_URL.rstrip("/") + "/sms/send"
        auth = (settings.SMSAERO_EMAIL, settings.SMSAERO_API_KEY)
        response = self.request("POST", url, json=body, auth=auth)
        answer = self.json(response)
        if not isinstance(answer, dict):
            raise self.unavailable(f"HTTP {response.status_code}: an answer we cannot read")
        if answer.get("result") == "no credits":
            raise self.unavailable("no credits on the account", code="no credits")
        if answer.get("result") == "reject":
            raise self.refused(f"rejected: {answer.get('reason')}", code="reject")
        if answer.get("success") is True and isinstance(answer.get("data"), dict):
            data = answer["data"]
            if data.get("id") is None:
                raise self.unavailable("an answer without the message id")
            return Receipt(
                message_id=str(data["id"]),
                price=decimal_or_none(data.get("cost")),
                currency=CURRENCY,
            )
        detail = f"HTTP {response.status_code}: {answer.get('message') or 'unknown error'}"
        if response.status_code in (401, 403):
            raise self.misconfigured(detail, code=str(response.status_code))
        fields = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if REFUSED_FIELDS & set(fields):
            raise self.refused(f"{detail} {fields}", code="validation")
        if fields:  # our own fields (the sign, the credentials) are wrong
            raise self.misconfigured(f"{detail} {fields}", code="validation")
        raise self.unavailable(detail, code=str(response.status_code))

    @classmethod
    def parse_callback(cls, request: Request) -> list[StatusReport]:
        data = request.data
        if hasattr(data, "dict"):  # a form
            data = data.dict()
        if isinstance(data, dict) and isinstance(data.get("data"), dict | list):
            data = data["data"]
        items = data if isinstance(data, list) else [data]
        reports = []
        for item in items:
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                raise InvalidCallback
            try:
                status = int(item.get("status"))
            except (TypeError, ValueError):
                raise InvalidCallback from None
            price = decimal_or_none(item.get("cost"))
            currency = CURRENCY if price is not None else None
            common = {"message_id": str(item["id"]), "price": price, "currency": currency}
            if status in DELIVERED:
                reports.append(StatusReport(status="delivered", **common))
            elif status in FAILED:
                error = f"smsaero {status} {item.get('extendStatus') or FAILED[status]}"
                reports.append(StatusReport(status="failed", error=error, **common))
            else:
                reports.append(StatusReport(status="sent", **common))
        return reports
