"""Middleware of the project: the request id, what every API answer shares, and the one log
line per request."""

import logging
import time

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from project.exceptions import BadRequest, is_api, json_error
from project.request_id import HEADER, request_id, request_id_from

logger = logging.getLogger("project.request")
host_logger = logging.getLogger("django.security.DisallowedHost")

HOST_REFUSED = _("This host name is not served here.")


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


class ApiMiddleware:
    """What every answer under /api/ shares, for what Django refuses before any view runs.

    A disallowed Host: Django raises DisallowedHost from the first `request.get_host()` (the
    HTTPS redirect, CommonMiddleware) and answers with its HTML 400, or with DEBUG on its
    debug page. Checked here first, under /api/ it is the contract's JSON, DEBUG on or off.
    Right after RequestIdMiddleware, before anything else asks for the host.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api(request):
            try:
                request.get_host()
            except DisallowedHost as exc:
                host_logger.warning("%s", exc)
                with translation.override(translation.get_language_from_request(request)):
                    return json_error(BadRequest(HOST_REFUSED))
        return self.get_response(request)


class RequestLogMiddleware:
    """One line per request: method, path (no query string: it may hold a phone), status, time."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
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
