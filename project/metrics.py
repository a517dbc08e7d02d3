"""Prometheus metrics of the web: requests counted and timed, and GET /metrics.

gunicorn runs several processes: prometheus-client's multiprocess mode keeps each process's
values in files under PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it up) and /metrics adds
them up. Without it (the embedded default under runserver, tests) a process serves its own.
The apps count their own events (sms/metrics.py, ...); the gauges that are read from Redis
or the broker are read when /metrics is scraped.
"""

import logging
import os

from amqp.exceptions import ChannelError
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from rest_framework import exceptions

from project.exceptions import error_body, error_code
from project.outages import INFRASTRUCTURE_ERRORS
from sms.metrics import BlockedRangesCollector

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "referral_http_requests_total",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
HTTP_DURATION = Histogram(
    "referral_http_request_duration_seconds",
    "Seconds from a request's arrival in Django to its answer, by view.",
    ["view"],
)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name: a bounded set of values, whatever paths clients invent."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match._func_path


def request_observe(request: HttpRequest, status: int, seconds: float) -> None:
    view = view_label(request)
    HTTP_REQUESTS.labels(view=view, method=request.method, status=str(status)).inc()
    HTTP_DURATION.labels(view=view).observe(seconds)


class QueueCollector:
    """referral_sms_queue_length: the SMS waiting in the broker's queue, read at each scrape."""

    def collect(self):
        from worker.celery import app

        gauge = GaugeMetricFamily(
            "referral_sms_queue_length", "SMS tasks waiting in the broker's queue."
        )
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # the embedded default has no queue
        queue = app.conf.task_default_queue
        try:
            with app.connection_for_read() as connection:
                channel = connection.default_channel
                try:
                    waiting = channel.queue_declare(queue=queue, passive=True).message_count
                except ChannelError:
                    waiting = 0  # no worker declared the queue yet, and nothing was sent to it
                gauge.add_metric([], waiting)
        except (*INFRASTRUCTURE_ERRORS, OSError) as exc:
            logger.warning("metrics: the broker's queue could not be read: %s", exc)
            return
        yield gauge


def scrape_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return registry


@csrf_exempt
@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the Prometheus text format; behind `Authorization: Bearer METRICS_TOKEN`
    when a token is set, and not served at all (404) where a token is required but unset."""
    token = settings.METRICS_TOKEN
    if not token and settings.METRICS_REQUIRE_TOKEN:
        return JsonResponse(error_body(exceptions.NotFound()), status=404)
    if token and not constant_time_compare(
        request.headers.get("Authorization", ""), f"Bearer {token}"
    ):
        response = JsonResponse(error_body(exceptions.NotAuthenticated()), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = scrape_registry()
    output = generate_latest(registry)
    gauges = CollectorRegistry()
    gauges.register(QueueCollector())
    gauges.register(BlockedRangesCollector())
    output += generate_latest(gauges)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


def outcome_of(exc: BaseException) -> str:
    """The `outcome` label of a refusal: its error code, as the API would answer it."""
    if isinstance(exc, exceptions.APIException):
        return error_code(exc)
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        return "service_unavailable"
    return "server_error"
