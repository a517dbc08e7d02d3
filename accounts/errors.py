"""What the login flow answers when it says no; the codes are the API contract's."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from project.exceptions import RetryLater, ServiceError


class InvalidCode(ServiceError):
    default_code = "invalid_code"
    default_detail = _("Wrong code. Attempts left: %(attempts_left)s.")


class CodeExpired(ServiceError):
    default_code = "code_expired"
    default_detail = _("This phone has no valid code: it expired or was used. Request a new one.")


class TooManyAttempts(RetryLater):
    default_code = "too_many_attempts"
    default_detail = _("Too many wrong codes. Request a new code in %(retry_after)s seconds.")


class ResendTooSoon(RetryLater):
    default_code = "resend_too_soon"
    default_detail = _("A code was just sent. A new one can be sent in %(retry_after)s seconds.")


class TooManyCodes(RetryLater):
    default_code = "too_many_codes"
    default_detail = _(
        "Too many codes were sent to this phone. Try again in %(retry_after)s seconds."
    )


class AccountDisabled(ServiceError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_detail = _("This account is disabled.")
