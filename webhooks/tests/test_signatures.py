"""Standard Webhooks signatures, against the reference test vector.

The vector is the one of the reference libraries' own tests (standard-webhooks/standard-webhooks,
libraries/python/tests/test_webhooks.py::test_sign_function, the same in the Go and Java
ones): the spec's example in spec/standard-webhooks.md publishes no secret.
"""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from webhooks.delivery import webhook_headers
from webhooks.events import validate_webhook_secret, webhook_secret_generate

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
PAYLOAD = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
WRONG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="  # the vector's negative case


def headers():
    at = datetime.fromtimestamp(TIMESTAMP, tz=UTC)
    return webhook_headers(webhook_id=MSG_ID, secret=SECRET, body=PAYLOAD, at=at)


def test_the_headers_carry_the_reference_signature():
    sent = headers()
    assert sent["webhook-signature"] == EXPECTED
    assert sent["webhook-signature"] != WRONG
    assert sent["webhook-id"] == MSG_ID
    assert sent["webhook-timestamp"] == str(TIMESTAMP)
    assert sent["content-type"] == "application/json"


def test_the_signature_is_the_specs_hmac_of_id_timestamp_and_body():
    """The spec's algorithm written out: HMAC-SHA256 over `id.timestamp.body` with the
    base64-decoded secret, base64 again, after `v1,`."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{MSG_ID}.{TIMESTAMP}.{PAYLOAD}".encode()
    digest = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers()["webhook-signature"] == f"v1,{digest}"


def test_a_drawn_secret_has_the_specs_format_and_size():
    secret = webhook_secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    validate_webhook_secret(secret)
    assert webhook_secret_generate() != secret


@pytest.mark.parametrize(
    "secret",
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not*base64", "whsec_c2hvcnQ=", ""],
)
def test_a_malformed_secret_is_refused(secret):
    with pytest.raises(ValidationError):
        validate_webhook_secret(secret)


def test_the_reference_secret_is_accepted_unpadded():
    validate_webhook_secret(SECRET)
