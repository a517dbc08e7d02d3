"""What the login counts for Prometheus: every send-code and verify-code, by outcome."""

from prometheus_client import Counter

OTP_SENDS = Counter(
    "referral_otp_sends_total",
    "send-code answers, by outcome (ok, or the refusal's error code).",
    ["outcome"],
)
OTP_VERIFIES = Counter(
    "referral_otp_verifies_total",
    "verify-code answers, by outcome (ok, or the refusal's error code).",
    ["outcome"],
)
