"""The worker's Prometheus metrics, served on WORKER_METRICS_PORT [9808] (0: not served).

With the threads pool every task runs in the worker's own process, so its registry holds all
of its counters. A second worker on the same host needs a port of its own.
"""

import logging

from celery.signals import worker_init
from prometheus_client import start_http_server

logger = logging.getLogger(__name__)


@worker_init.connect
def serve_metrics(**kwargs) -> None:
    from django.conf import settings

    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    try:
        start_http_server(port)
    except OSError as exc:
        # Another worker on this host has the port: this one works on, without metrics.
        logger.warning("worker metrics not served on port %s: %s", port, exc)
        return
    logger.info("worker metrics on port %s", port)
