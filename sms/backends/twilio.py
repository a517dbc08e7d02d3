"""Twilio Messages (https://www.twilio.com/docs/messaging/api/message-resource).

The request, as Twilio's OpenAPI description (twilio/twilio-oai, api_v2010) has it:
`POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth
`AccountSid:AuthToken`, a form with `To` (E.164), `MessagingServiceSid` when one is set or else
`From`, `Body`, and `StatusCallback` when the service has a public callback URL. A taken
message is HTTP 201 with the Message resource (`sid`, `status`, `price` (a negative decimal
string, usually still null), `price_unit`); a refused one is 4xx with `{"code", "message",
"more_info", "status"}`, the codes of https://www.twilio.com/docs/api/errors.

Delivery reports (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status):
a form POST per status change with `MessageSid`, `MessageStatus` and, when it failed,
`ErrorCode`, signed in `X-Twilio-Signature` as
https://www.twilio.com/docs/usage/webhooks/webhooks-security describes: HMAC-SHA1, keyed with
the auth token, of the full URL followed by every POST parameter's name and value, sorted by
name; base64. Checked the way Twilio's own RequestValidator does, with the URL with and without
its default port. Twilio also signs JSON bodies (`bodySHA256`); status callbacks are forms, so
only forms are accepted here.
"""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from rest_framework.request import Request

from sms.backends.base import Receipt, SmsMessage
from sms.backends.http import HttpSmsBackend, StatusReport, callback_url, decimal_or_none
from sms.errors import ForgedCallback, InvalidCallback

# The number cannot get this message from anyone (https://www.twilio.com/docs/api/errors/<code>).
REFUSED = {
    21211: "invalid 'To' phone number",
    21612: "the 'To' number cannot be reached",
    21614: "'To' is not a valid mobile number",
    21610: "the recipient has unsubscribed (STOP)",
    21635: "'To' is a landline",
}
# Our account or settings: credentials, the sender, geo permissions, a trial account.
MISCONFIGURED = {
    20003: "authentication failed",
    20005: "the account is not active",
    20404: "the account or resource was not found",
    21401: "invalid 'From' number",
    21408: "sending to this region is not enabled",
    21601: "'From' is not SMS-capable",
    21606: "'From' is not a valid, SMS-capable number of the account",
    21608: "a trial account can only send to verified numbers",
    21659: "'From' is not a Twilio number of the account",
}
DELIVERED = {"delivered", "read"}
FAILED = {"failed", "undelivered", "canceled"}


def signature(token: str, url: str, params: dict[str, list[str]]) -> str:
    """Twilio's X-Twilio-Signature of a POST to `url` with form `params`."""
    signed = url
    for name in sorted(set(params)):
        for value in sorted(set(params[name])):
            signed += name + value
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> set[str]:
    """The URL as given, with its default port and without any port: Twilio's own validator
    accepts each, since the port it signs with is not always the one it called."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = {url, urlunsplit(parts._replace(netloc=host))}
    if parts.port is None and default:
        variants.add(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    return variants


def signature_valid(token: str, urls: set[str], params: dict, given: str) -> bool:
    candidates = {variant for url in urls for variant in url_variants(url)}
    return any(
        hmac.compare_digest(signature(token, url, params).encode(), given.encode())
        for url in candidates
    )


class SmsBackend(HttpSmsBackend):
    name = "twilio"

    def send_message(self, message: SmsMessage) -> Receipt:
        sid = settings.TWILIO_ACCOUNT_SID
        form = {"To": message.to}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            form["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            form["From"] = settings.TWILIO_FROM
        form["Body"] = message.body
        status_callback = callback_url(self.name)
        if status_callback:
            form["StatusCallback"] = status_callback
        url = f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        response = self.request("POST", url, data=form, auth=(sid, settings.TWILIO_AUTH_TOKEN))
        answer = self.json(response)
        if not isinstance(answer, dict):
            raise self.unavailable(f"HTTP {response.status_code}: an answer we cannot read")
        if response.is_success:
            if not answer.get("sid"):
                raise self.unavailable("an answer without the message sid")
            price = decimal_or_none(answer.get("price"))
            unit = answer.get("price_unit")
            return Receipt(
                message_id=str(answer["sid"]),
                # Twilio reports what it charged as a negative amount.
                price=abs(price) if price is not None else None,
                currency=unit.upper() if price is not None and unit else None,
            )
        try:
            code = int(answer.get("code"))
        except (TypeError, ValueError):
            code = None
        detail = f"HTTP {response.status_code} {code}: {answer.get('message') or ''}".strip()
        if code in REFUSED:
            raise self.refused(f"{code} {REFUSED[code]}", code=str(code))
        if code in MISCONFIGURED or response.status_code in (401, 403):
            raise self.misconfigured(detail, code=str(code))
        if code == 20429:
            raise self.unavailable(detail, code=str(code))
        # Another 4xx: our request is wrong for Twilio (a bug or a setting): loud, and failover.
        raise self.misconfigured(detail, code=str(code))

    @classmethod
    def parse_callback(cls, request: Request) -> list[StatusReport]:
        given = request.headers.get("X-Twilio-Signature", "")
        token = settings.TWILIO_AUTH_TOKEN
        if not given or not token:
            raise ForgedCallback
        if not hasattr(request.data, "getlist"):  # status callbacks are forms
            raise InvalidCallback
        params = {name: request.data.getlist(name) for name in request.data}
        urls = {request.build_absolute_uri()}
        if settings.SMS_CALLBACK_BASE_URL:
            # The URL we gave Twilio, in case a proxy in between changed scheme or host.
            urls.add(settings.SMS_CALLBACK_BASE_URL.rstrip("/") + request.get_full_path())
        if not signature_valid(token, urls, params, given):
            raise ForgedCallback
        sid = request.data.get("MessageSid") or request.data.get("SmsSid")
        status = request.data.get("MessageStatus") or request.data.get("SmsStatus")
        if not sid or not status:
            raise InvalidCallback
        if status in DELIVERED:
            return [StatusReport(message_id=sid, status="delivered")]
        if status in FAILED:
            error = f"twilio {request.data.get('ErrorCode') or '-'} {status}"
            return [StatusReport(message_id=sid, status="failed", error=error)]
        return [StatusReport(message_id=sid, status="sent")]
