"""What webhook deliveries count for Prometheus (served by the worker, which makes them)."""

from prometheus_client import Counter

DELIVERIES = Counter(
    "referral_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, retry, failed, skipped).",
    ["outcome"],
)
