"""SMS.ru (https://sms.ru/api/send): a form POST to /sms/send, a JSON answer per number.

The request, as the official PHP class (SMSRU::send_one) and the API page describe it:
`POST {SMSRU_API_URL}/sms/send`, application/x-www-form-urlencoded, `api_id`, `to` (digits, no
`+`), `msg`, `json=1`, and `from` (an approved sender name) and `test=1` when set. The answer is
HTTP 200 whatever happened: `status`/`status_code` for the request as a whole, then one entry
per number under `sms` with its own `status_code` and, when taken, its `sms_id`. The send
answer carries no price.

Delivery reports (https://sms.ru/?panel=api&subpanel=cb): a form POST of `data[0]`, `data[1]`,
... each `sms_status\\n<sms_id>\\n<status code>\\n<unix time>` (or a `test` heartbeat), to be
answered with the body `100`. SMS.ru does not document a signature (a `hash` field seen by third
parties is not confirmed), so the secret token in the callback URL is what authenticates it.
"""

import re

from django.conf import settings
from rest_framework.request import Request

from sms.backends.base import Receipt, SmsMessage, TransportError
from sms.backends.http import HttpSmsBackend, StatusReport, digits
from sms.errors import InvalidCallback

# The codes of https://sms.ru/api/send ("Коды ответов"), by what they mean for us.
MISCONFIGURED = {
    200: "wrong api_id",
    203: "no message text",
    204: "the sender name is not approved",
    208: "the `time` parameter is wrong",
    210: "GET where POST is needed",
    211: "unknown method",
    212: "the text must be UTF-8",
    213: "too many recipients",
    221: "a sender name of the account's own is required",
    300: "wrong token",
    301: "wrong password, or no such user",
    302: "the account is not confirmed",
    901: "callback URL is wrong",
    902: "callback handler not found",
}
TRANSIENT = {
    201: "not enough money on the account",
    206: "the account's daily limit is reached",
    220: "the service is temporarily unavailable",
    500: "server error",
}
# The number or the text is refused; the anti-fraud limits on one number or one end user
# (230-233, 304-305, 501-508) are final too: sending through another provider would dodge them.
REFUSED = {
    202: "wrong recipient, or no route to it",
    205: "the message is too long",
    207: "messages cannot be sent to this number",
    209: "the number is in the account's stop list",
    214: "the number is abroad (the account sends to Russian numbers only)",
    215: "the number is in SMS.ru's stop list",
    216: "the text contains a forbidden word",
    217: "credit advertising without the required phrase",
    218: "refused",
    219: "refused",
    230: "daily limit of messages to this number",
    231: "limit of identical messages to this number per minute",
    232: "limit of identical messages to this number per day",
    233: "limit of repeated codes to this number",
    304: "too many codes sent",
    305: "too many wrong codes",
    550: "the country is blocked",
    **dict.fromkeys(range(501, 509), "anti-fraud limit on the end user's IP"),
}
# Delivery statuses (https://sms.ru/api/status): in the queue, at the operator, on its way;
# delivered (103; 110 is "read", Viber only); and not delivered, with the reason.
SENT = {100, 101, 102}
DELIVERED = {103, 110}
FAILED = {
    104: "not delivered: its time to live expired",
    105: "not delivered: deleted by the operator",
    106: "not delivered: handset failure",
    107: "not delivered: unknown reason",
    108: "not delivered: rejected",
    150: "not delivered: no route to this number",
}
DATA_FIELD = re.compile(r"^data\[\d*\]$")


class SmsBackend(HttpSmsBackend):
    name = "smsru"
    callback_answer = "100"  # "на любой запрос этот скрипт должен отвечать цифрой 100"

    def send_message(self, message: SmsMessage) -> Receipt:
        number = digits(message.to)
        form = {"api_id": settings.SMSRU_API_ID, "to": number, "msg": message.body, "json": "1"}
        if settings.SMSRU_FROM:
            form["from"] = settings.SMSRU_FROM
        if settings.SMSRU_TEST:
            form["test"] = "1"
        url = settings.SMSRU_API_URL.rstrip("/") + "/sms/send"
        answer = self.json(self.request("POST", url, data=form))
        if not isinstance(answer, dict) or "status" not in answer:
            raise self.unavailable("an answer without a status")
        if answer["status"] != "OK":
            raise self.error(answer)
        entry = (answer.get("sms") or {}).get(number)
        if not isinstance(entry, dict):
            raise self.unavailable(f"no answer for the number (status {answer.get('status_code')})")
        if entry.get("status") != "OK" or not entry.get("sms_id"):
            raise self.error(entry)
        return Receipt(message_id=str(entry["sms_id"]))

    def error(self, answer: dict) -> TransportError:
        try:
            code = int(answer.get("status_code"))
        except (TypeError, ValueError):
            return self.unavailable(f"an answer we cannot read: {answer!r:.200}")
        text = answer.get("status_text") or ""
        if code in REFUSED:
            return self.refused(f"{code} {REFUSED[code]}", code=str(code))
        if code in MISCONFIGURED:
            return self.misconfigured(f"{code} {MISCONFIGURED[code]}: {text}", code=str(code))
        if code in TRANSIENT:
            return self.unavailable(f"{code} {TRANSIENT[code]}", code=str(code))
        return self.unavailable(f"{code} (a code we do not know): {text}", code=str(code))

    @classmethod
    def parse_callback(cls, request: Request) -> list[StatusReport]:
        data = request.data
        if not hasattr(data, "getlist"):  # a JSON body: not what SMS.ru sends
            raise InvalidCallback
        entries = [
            value
            for key in data
            if DATA_FIELD.match(key)
            for value in data.getlist(key)
            if isinstance(value, str)
        ]
        if not entries:
            raise InvalidCallback
        reports = []
        for entry in entries:
            lines = entry.replace("\r", "").split("\n")
            if lines[0] != "sms_status":
                continue  # a `test` heartbeat, or a call-check status
            if len(lines) < 3 or not lines[1] or not lines[2].lstrip("-").isdigit():
                raise InvalidCallback
            sms_id, code = lines[1], int(lines[2])
            if code in SENT:
                reports.append(StatusReport(message_id=sms_id, status="sent"))
            elif code in DELIVERED:
                reports.append(StatusReport(message_id=sms_id, status="delivered"))
            elif code in FAILED:
                error = f"smsru {code} {FAILED[code]}"
                reports.append(StatusReport(message_id=sms_id, status="failed", error=error))
        return reports
