"""Reads of the login flow: where a phone stands with its limits."""

from accounts.otp import PhoneLimits, otp_limits_get
from sms.phones import phone_normalize


def login_limits_get(*, phone: str) -> tuple[str, PhoneLimits]:
    """The phone in E.164 and its limits now: a live code, attempts, cooldown, counts."""
    phone = phone_normalize(phone)
    return phone, otp_limits_get(phone=phone)
