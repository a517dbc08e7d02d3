"""What the SMS deliveries count for Prometheus (served by the worker: worker/metrics.py)."""

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "referral_sms_deliveries_total",
    "SMS delivery attempts, by gateway and outcome (ok, refused, misconfigured, error).",
    ["backend", "outcome"],
)
DELIVERY_SECONDS = Histogram(
    "referral_sms_delivery_seconds",
    "Seconds a gateway took to take (or refuse) one message.",
    ["backend"],
    buckets=(0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30),
)


def delivery_observe(*, backend: str, outcome: str, seconds: float) -> None:
    DELIVERIES.labels(backend=backend, outcome=outcome).inc()
    DELIVERY_SECONDS.labels(backend=backend).observe(seconds)
