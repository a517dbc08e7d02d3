"""What invite activation counts for Prometheus."""

from prometheus_client import Counter

ACTIVATIONS = Counter(
    "referral_invite_activations_total",
    "Invite code activations, by outcome (ok, or the refusal's error code).",
    ["outcome"],
)
