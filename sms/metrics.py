"""What the SMS deliveries count for Prometheus (served by the worker: worker/metrics.py)."""

import logging

from prometheus_client import Counter, Histogram

logger = logging.getLogger(__name__)

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


class BlockedRangesCollector:
    """referral_sms_blocked_ranges: the blocks in force (operators' and the watch's), read
    from their table at each scrape."""

    def collect(self):
        from django.db import DatabaseError
        from prometheus_client.core import GaugeMetricFamily

        from sms.models import BlockedRange

        try:
            in_force = BlockedRange.objects.in_force().count()
        except DatabaseError as exc:
            logger.warning("metrics: the blocked ranges could not be read: %s", exc)
            return
        gauge = GaugeMetricFamily(
            "referral_sms_blocked_ranges", "Number ranges no SMS goes to, in force now."
        )
        gauge.add_metric([], in_force)
        yield gauge
