"""The events the service sends to webhook endpoints, and their secrets' format.

The apps that emit events (accounts, invites) name them here; this app knows nothing of
users or referrals, only event names and JSON data.
"""

import base64
import binascii
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USER_CREATED = "user.created"
INVITE_ACTIVATED = "invite.activated"
REFERRAL_REVIEWED = "referral.reviewed"

EVENTS = {
    USER_CREATED: _("a user was created at their first login"),
    INVITE_ACTIVATED: _("a user activated someone's invite code"),
    REFERRAL_REVIEWED: _("an operator confirmed, rejected or restored a referral"),
}

# Standard Webhooks: a random key of 24 to 64 bytes, shown base64-encoded after `whsec_`.
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32
SECRET_MIN_BYTES, SECRET_MAX_BYTES = 24, 64


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def validate_webhook_secret(value: str) -> None:
    message = _("A secret is whsec_ followed by 24 to 64 random bytes in base64.")
    if not value.startswith(SECRET_PREFIX):
        raise ValidationError(message, code="invalid")
    encoded = value.removeprefix(SECRET_PREFIX)
    try:
        # Padding may be left out, as the standardwebhooks libraries allow.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(message, code="invalid") from None
    if not SECRET_MIN_BYTES <= len(key) <= SECRET_MAX_BYTES:
        raise ValidationError(message, code="invalid")


def validate_events(value: list) -> None:
    if not isinstance(value, list) or any(event not in EVENTS for event in value):
        raise ValidationError(
            _("Events are a list of: %(events)s."),
            code="invalid",
            params={"events": ", ".join(EVENTS)},
        )
