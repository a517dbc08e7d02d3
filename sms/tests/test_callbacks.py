"""Delivery reports: each provider's callback, as its docs describe it, updates the message log;
forged and garbled ones are refused with a JSON error, never a 500.

- Twilio: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status (a form
  with MessageSid, MessageStatus, ErrorCode) signed as
  https://www.twilio.com/docs/usage/webhooks/webhooks-security says; the test vectors are those
  of Twilio's own SDK (twilio/twilio-python tests/unit/test_request_validator.py).
- SMS.ru: https://sms.ru/?panel=api&subpanel=cb (form `data[N]` =
  "sms_status\\n<id>\\n<code>\\n<unix time>", answered with `100`), codes of https://sms.ru/api/status.
- SMS Aero: the status object of /v2/sms/status, POSTed to callbackUrl (format assumed).
- Exolve: a JSON webhook with message_id and delivery_status (fields assumed).
"""

from decimal import Decimal
from urllib.parse import urlencode

import pytest

from sms.backends.twilio import signature, signature_valid
from sms.models import SmsLog
from sms.tests.fakes import FakeTwilio

pytestmark = pytest.mark.django_db

TOKEN = "callback-test-token"
FORM = "application/x-www-form-urlencoded"


def url(backend: str, token: str = TOKEN) -> str:
    return f"/api/v1/sms/callbacks/{backend}/{token}/"


@pytest.fixture(autouse=True)
def _callback_settings(settings):
    settings.SMS_CALLBACK_TOKEN = TOKEN
    settings.SMS_CALLBACK_BASE_URL = ""
    settings.TWILIO_AUTH_TOKEN = FakeTwilio.AUTH_TOKEN


def logged(backend: str, message_id: str, **fields) -> SmsLog:
    return SmsLog.objects.create(
        phone="+79628518753",
        backend=backend,
        provider_message_id=message_id,
        status=fields.pop("status", "sent"),
        **fields,
    )


# Twilio's signature
# ------------------------------------------------------------------------------

VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": ["CA1234567890ABCDE"],
    "Digits": ["1234"],
    "From": ["+14158675309"],
    "To": ["+18005551212"],
    "Caller": ["+14158675309"],
}


def test_the_twilio_signature_matches_twilios_own_test_vectors():
    assert signature("12345", VECTOR_URL, VECTOR_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    duplicates = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234", "1234"]}
    assert signature("12345", VECTOR_URL, duplicates) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    port_1234 = "http://mycompany.com:1234/myapp.php?foo=1&bar=2"
    assert signature("12345", port_1234, VECTOR_PARAMS) == "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="


def test_the_twilio_check_accepts_the_url_with_or_without_its_default_port():
    signed_with_443 = "kvajT1Ptam85bY51eRf/AJRuM3w="
    assert signature_valid("12345", {VECTOR_URL}, VECTOR_PARAMS, signed_with_443)
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert signature_valid("12345", {with_port}, VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not signature_valid("12345", {VECTOR_URL}, VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8")
    assert not signature_valid("54321", {VECTOR_URL}, VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


# Twilio's status callback
# ------------------------------------------------------------------------------


def twilio_report(api, params: dict, *, sign_with: str = FakeTwilio.AUTH_TOKEN, path=None):
    path = path or url("twilio")
    signed = signature(sign_with, f"http://testserver{path}", {k: [v] for k, v in params.items()})
    return api.post(
        path, urlencode(params), content_type=FORM, headers={"X-Twilio-Signature": signed}
    )


def status_callback(sid: str, status: str, **extra) -> dict:
    return {
        "ApiVersion": "2010-04-01",
        "AccountSid": FakeTwilio.ACCOUNT_SID,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": "+15017122661",
        "To": "+79628518753",
        **extra,
    }


def test_a_signed_twilio_report_marks_the_message_delivered(api):
    row = logged("twilio", FakeTwilio.SID)
    response = twilio_report(
        api, status_callback(FakeTwilio.SID, "delivered", RawDlrDoneDate="2611301512")
    )
    assert (response.status_code, response.json()) == (200, {"updated": 1})
    row.refresh_from_db()
    assert (row.status, row.error) == ("delivered", "")


def test_a_twilio_report_of_failure_keeps_its_error_code(api):
    row = logged("twilio", FakeTwilio.SID)
    response = twilio_report(api, status_callback(FakeTwilio.SID, "undelivered", ErrorCode="30003"))
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.error) == ("failed", "twilio 30003 undelivered")


def test_a_forged_twilio_report_is_refused_and_changes_nothing(api):
    row = logged("twilio", FakeTwilio.SID)
    response = twilio_report(api, status_callback(FakeTwilio.SID, "delivered"), sign_with="guess")
    assert (response.status_code, response.json()["code"]) == (403, "invalid_signature")
    unsigned = api.post(
        url("twilio"), urlencode(status_callback(FakeTwilio.SID, "delivered")), content_type=FORM
    )
    assert (unsigned.status_code, unsigned.json()["code"]) == (403, "invalid_signature")
    row.refresh_from_db()
    assert row.status == "sent"


def test_a_report_signed_for_other_parameters_is_refused(api):
    row = logged("twilio", FakeTwilio.SID)
    params = status_callback(FakeTwilio.SID, "failed")
    signed = signature(FakeTwilio.AUTH_TOKEN, f"http://testserver{url('twilio')}", {})
    response = api.post(
        url("twilio"), urlencode(params), content_type=FORM, headers={"X-Twilio-Signature": signed}
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == "sent"


# The token in the path
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [url("smsru", "wrong-token"), url("nosuchgateway"), url("twilio", TOKEN + "x")]
)
def test_a_wrong_token_or_an_unknown_gateway_is_a_json_404(api, path):
    response = api.post(path, "data%5B0%5D=test%0A1", content_type=FORM)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_without_a_callback_token_the_callbacks_are_off(api, settings):
    settings.SMS_CALLBACK_TOKEN = ""
    response = api.post("/api/v1/sms/callbacks/smsru/-/", "data%5B0%5D=x", content_type=FORM)
    assert response.status_code == 404


# SMS.ru, SMS Aero, Exolve
# ------------------------------------------------------------------------------


def test_an_smsru_report_updates_the_log_and_is_answered_100(api):
    delivered = logged("smsru", "000000-10000001")
    failed = logged("smsru", "000000-10000002")
    body = urlencode(
        {
            "data[0]": "sms_status\n000000-10000001\n103\n1782469893",
            "data[1]": "test\n1782404811",
            "data[2]": "sms_status\n000000-10000002\n104\n1782469894",
            "data[4]": "callcheck_status\n202626-48053517\n401\n1782404881",
        }
    )
    response = api.post(url("smsru"), body, content_type=FORM)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"100"
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert delivered.status == "delivered"
    assert (failed.status, failed.error) == (
        "failed",
        "smsru 104 not delivered: its time to live expired",
    )


def test_a_late_in_transit_report_does_not_undo_a_delivery(api):
    row = logged("smsru", "000000-10000001", status="delivered")
    body = urlencode({"data[0]": "sms_status\n000000-10000001\n102\n1782469893"})
    assert api.post(url("smsru"), body, content_type=FORM).status_code == 200
    row.refresh_from_db()
    assert row.status == "delivered"


@pytest.mark.parametrize("as_form", [False, True])
def test_an_smsaero_report_updates_status_and_price(api, as_form):
    row = logged("smsaero", "539820423")
    report = {"id": 539820423, "number": "79628518753", "status": 1, "extendStatus": "delivery",
              "cost": "4.19", "dateCreate": 1719115820, "dateSend": 1719115820,
              "dateAnswer": 1719115825}  # fmt: skip
    if as_form:
        response = api.post(url("smsaero"), urlencode(report), content_type=FORM)
    else:
        response = api.post(url("smsaero"), report, format="json")
    assert (response.status_code, response.json()) == (200, {"updated": 1})
    row.refresh_from_db()
    assert (row.status, row.price, row.currency) == ("delivered", Decimal("4.19"), "RUB")


def test_an_exolve_report_updates_the_log(api):
    row = logged("exolve", "572123456789012345")
    report = {
        "message_id": "572123456789012345",
        "application_uuid": "3e2b7f1c-0000-0000-0000-000000000000",
        "sender": "79990557296",
        "receiver": "79628518753",
        "direction": "DIRECTION_OUTGOING",
        "delivery_status": "DELIVERY_STATUS_UNDELIVERED",
        "billing_status": "BILLING_STATUS_BILLED",
    }
    assert api.post(url("exolve"), report, format="json").status_code == 200
    row.refresh_from_db()
    assert (row.status, row.error) == ("failed", "exolve DELIVERY_STATUS_UNDELIVERED")


def test_a_report_of_an_unknown_message_changes_nothing_and_is_acknowledged(api):
    report = {"id": 1, "status": 1}
    assert api.post(url("smsaero"), report, format="json").json() == {"updated": 0}


# Garbage
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "body", "content_type", "status", "code"),
    [
        ("smsru", '{"data": ["x"]}', "application/json", 400, "invalid_callback"),
        ("smsru", "data%5B0%5D=sms_status%0A%0Aabc", FORM, 400, "invalid_callback"),
        ("smsru", "nothing=here", FORM, 400, "invalid_callback"),
        (
            "smsaero",
            '{"id": 5, "status": "delivered"}',
            "application/json",
            400,
            "invalid_callback",
        ),
        ("smsaero", "[1, 2]", "application/json", 400, "invalid_callback"),
        ("smsaero", '{"id": ', "application/json", 400, "parse_error"),
        ("exolve", '"just a string"', "application/json", 400, "invalid_callback"),
        ("exolve", "\xff\xfe", "text/plain", 415, "unsupported_media_type"),
        ("smsaero", "%ff%fe=%00", FORM, 400, "invalid_callback"),
    ],
)
def test_garbage_is_a_json_error_never_a_500(api, backend, body, content_type, status, code):
    response = api.post(url(backend), body, content_type=content_type)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_a_signed_twilio_report_without_a_message_sid_is_invalid(api):
    response = twilio_report(api, {"MessageStatus": "delivered"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_callback")


def test_the_errors_are_translated(api):
    response = api.post(
        url("smsru"), "nothing=here", content_type=FORM, headers={"accept-language": "ru"}
    )
    assert response.json() == {
        "code": "invalid_callback",
        "detail": "Это не отчёт о доставке, который присылает этот шлюз.",  # noqa: RUF001
    }
