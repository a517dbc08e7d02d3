"""What the login flow answers when it says no; the codes are the API contract's."""

import math

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


class SmsBlocked(ServiceError):
    """The number is in a blocked range; `retry_after` only when the block ends by itself."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "sms_blocked"
    default_detail = _("Codes are not sent to numbers of this range.")

    def __init__(self, *, retry_after: float | None = None) -> None:
        if retry_after is None:
            super().__init__()
            return
        self.wait = max(1, math.ceil(retry_after))
        detail = _(
            "Codes are not sent to numbers of this range for now. "
            "Try again in %(retry_after)s seconds."
        ) % {"retry_after": self.wait}
        super().__init__(detail, retry_after=self.wait)


class WatchBlocked(SmsBlocked):
    """SmsBlocked, by the conversion watch with this very request: the block is to be listed."""

    def __init__(self, *, retry_after: float | None, prefix: str, sent: int, verified: int):
        super().__init__(retry_after=retry_after)
        self.prefix, self.sent, self.verified = prefix, sent, verified


class SmsRateLimited(RetryLater):
    default_code = "sms_rate_limited"
    default_detail = _(
        "Too many codes were sent to numbers like this one. Try again in %(retry_after)s seconds."
    )


class SmsBudgetExhausted(RetryLater):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "sms_budget_exhausted"
    default_detail = _(
        "The service has sent all the SMS it may for now. Try again in %(retry_after)s seconds."
    )
