"""Service endpoints (liveness, readiness) and the JSON answers for unknown API paths."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import csrf, defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_redis import get_redis_connection
from rest_framework import exceptions

from project.exceptions import (
    BadRequest,
    PayloadTooLarge,
    error_body,
    is_api,
    json_error,
    server_error_body,
)
from project.outages import INFRASTRUCTURE_ERRORS
from worker.celery import app as celery_app


# Probes change nothing: GET and HEAD only, and any other method is 405 (not CSRF's 403).
@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers. Touches nothing else, so it is also the ceiling for benchmarks."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this runs in a short-lived thread: do not leak its connection


def _check_redis() -> None:
    get_redis_connection("default").ping()


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded default: tasks run in-process, there is no broker to reach
    with celery_app.connection_for_write() as conn:
        # One attempt: a retry would first sleep kombu's default interval (2 s).
        conn.ensure_connection(max_retries=0, timeout=settings.REDIS_TIMEOUT_SECONDS)


CHECKS = {"database": _check_database, "redis": _check_redis, "broker": _check_broker}


def _run(check) -> str:
    try:
        check()
    except (*INFRASTRUCTURE_ERRORS, OSError):
        return "unavailable"
    return "ok"


@csrf_exempt
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Every backing service answers. The checks run side by side, each with a short timeout."""
    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        results = dict(zip(CHECKS, pool.map(_run, CHECKS.values()), strict=True))
    ready = all(state == "ok" for state in results.values())
    return JsonResponse(results, status=200 if ready else 503)


# Exempt: it changes nothing, and CSRF's 403 would otherwise answer a POST to a mistyped path
# (send-code without its slash) before this view could say 404.
@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any unknown path under /api/ (a missing trailing slash too) is the contract's JSON 404,
    whatever the method."""
    return JsonResponse(error_body(exceptions.NotFound()), status=404)


CSRF_REFUSED = _("The request was refused: its CSRF token is missing or wrong.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the contract's JSON 403 under /api/, Django's page elsewhere.

    DRF's views are exempt (they authenticate with tokens), so under /api/ this answers only a
    plain Django view that is not; the reason is in Django's own `django.security.csrf` log.
    """
    if is_api(request):
        return json_error(exceptions.PermissionDenied(CSRF_REFUSED))
    return csrf.csrf_failure(request, reason=reason)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (Django's answer to a SuspiciousOperation outside DRF, with DEBUG off):
    JSON under /api/, a body over the upload limit as 413; Django's page elsewhere."""
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(PayloadTooLarge())
        return json_error(BadRequest())
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 outside DRF: JSON under /api/, Django's plain page elsewhere."""
    if is_api(request):
        return JsonResponse(server_error_body(), status=500)
    return defaults.server_error(request)
