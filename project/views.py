"""Service endpoints (liveness, readiness) and the JSON answers for unknown API paths."""

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_redis import get_redis_connection
from rest_framework import exceptions

from project.exceptions import error_body, server_error_body
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


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any unknown path under /api/ (a missing trailing slash too) is the contract's JSON 404."""
    return JsonResponse(error_body(exceptions.NotFound()), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 outside DRF: JSON under /api/, Django's plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(server_error_body(), status=500)
    return defaults.server_error(request)
