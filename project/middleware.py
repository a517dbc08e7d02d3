"""Middleware of the project: the request id, what every API answer shares, and the one log
line per request."""

import logging
import time

from csp import middleware as csp_middleware
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from project.exceptions import BadRequest, is_api, json_error
from project.metrics import request_observe
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
    """What every answer under /api/ shares.

    - A disallowed Host: Django raises DisallowedHost from the first `request.get_host()` (the
      HTTPS redirect, CommonMiddleware) and answers with its HTML 400, or with DEBUG on its
      debug page. Checked here first, under /api/ it is the contract's JSON, DEBUG on or off.
      Right after RequestIdMiddleware, before anything else asks for the host.
    - `Cache-Control: no-store` unless the view says otherwise: the API's answers are the
      caller's own (tokens, profiles, referral lists, codes in the dev inbox), and no browser
      or proxy cache may keep them.
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
                    response = json_error(BadRequest(HOST_REFUSED))
            else:
                response = self.get_response(request)
            if "Cache-Control" not in response:
                response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


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


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's Content-Security-Policy, on the HTML answers: the documents a browser runs
    scripts in. django-csp builds the policy again for every answer (about 0.1 ms); the API's
    JSON answers, which a browser never renders (X-Content-Type-Options: nosniff) and which
    X-Frame-Options already keeps out of frames, do not pay for it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
