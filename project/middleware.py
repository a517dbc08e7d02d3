"""Middleware of the project: the request id and the one log line per request."""

import logging
import time

from django.http import HttpRequest, HttpResponse

from project.metrics import request_observe
from project.request_id import HEADER, request_id, request_id_from

logger = logging.getLogger("project.request")


class RequestIdMiddleware:
    """Gives the request an id (a sane incoming X-Request-ID, or a new one) for its log lines,
    the tasks it enqueues and the X-Request-ID response header. First in MIDDLEWARE."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_from(request.headers.get(HEADER))
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestLogMiddleware:
    """One line per request: method, path (no query string: it may hold a phone), status, time;
    and the request counted and timed in the metrics."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        request_observe(request, response.status_code, seconds)
        duration_ms = seconds * 1000
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
            },
        )
        return response
