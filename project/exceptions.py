"""The API's errors: the base classes services raise and the one handler that shapes every answer.

Every 4xx/5xx under /api/ is `{"code": ..., "detail": ..., "errors"?: ...}` plus the fields an
error carries (`attempts_left`, `retry_after`, ...). Services raise `ServiceError` subclasses;
this module is the only place that turns exceptions into responses.
"""

import logging
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from project.outages import INFRASTRUCTURE_ERRORS

logger = logging.getLogger(__name__)


class ServiceError(exceptions.APIException):
    """A rule of the service said no.

    Subclasses set `status_code`, `default_code` and `default_detail`; keyword arguments
    become fields of the error body and may be used in `default_detail` as `%(name)s`.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = _("The request is not valid.")
    wait: int | None = None  # seconds, for a Retry-After header (the pages set one too)

    def __init__(self, detail: str | None = None, **fields: object) -> None:
        self.fields = fields
        if detail is None:
            detail = str(self.default_detail) % fields if fields else self.default_detail
        super().__init__(detail, self.default_code)


class RetryLater(ServiceError):
    """429: a limit was reached; `retry_after` seconds (at least 1) says when to come back."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"
    default_detail = _("Too many requests. Try again in %(retry_after)s seconds.")

    def __init__(self, *, retry_after: float, **fields: object) -> None:
        self.wait = max(1, math.ceil(retry_after))
        super().__init__(retry_after=self.wait, **fields)


class ServiceUnavailable(ServiceError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("The service is temporarily unavailable. Try again shortly.")


class BadRequest(exceptions.APIException):
    """400 for a request refused before any view: a disallowed Host, a malformed request."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = _("The request is malformed.")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


def error_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, exceptions.AuthenticationFailed):
        # simplejwt's InvalidToken says "token_not_valid"; the contract has one code for all.
        return "authentication_failed"
    return exc.default_code


def error_detail(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return str(_("Some fields are not valid."))
    if isinstance(exc.detail, dict):  # simplejwt puts its message under "detail"
        return str(exc.detail.get("detail", exc.default_detail))
    if isinstance(exc.detail, list):
        return str(exc.detail[0]) if exc.detail else str(exc.default_detail)
    return str(exc.detail)


def error_fields(exc: exceptions.APIException) -> dict:
    """The fields an error adds to the body; DRF's own throttle only knows its `wait`."""
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        return {"retry_after": max(1, math.ceil(exc.wait))}
    return getattr(exc, "fields", {})


def error_body(exc: exceptions.APIException) -> dict:
    body: dict = {"code": error_code(exc), "detail": error_detail(exc)}
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        body["errors"] = errors if isinstance(errors, dict) else {"non_field_errors": errors}
    body.update(error_fields(exc))
    return body


def server_error_body() -> dict:
    return {"code": "server_error", "detail": str(_("Internal server error."))}


def is_api(request: HttpRequest) -> bool:
    """Under /api/ every answer is the contract's JSON, whatever refused the request."""
    return request.path.startswith("/api/")


def json_error(exc: exceptions.APIException) -> JsonResponse:
    """The contract's answer for `exc`, for the refusals that happen outside DRF's views."""
    return JsonResponse(error_body(exc), status=exc.status_code)


def api_exception_handler(exc: Exception, context: dict) -> Response:
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        logger.warning("backing service unavailable: %s: %s", type(exc).__name__, exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE when the parser asks
        # for it (request.body); it is the client's doing, not a bug.
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # The request itself is malformed (e.g. over DATA_UPLOAD_MAX_NUMBER_FIELDS query
        # fields): Django's own answer would be 400 too.
        exc = BadRequest()
    response = exception_handler(exc, context)
    if response is None:
        # A bug. Answer the contract's JSON (never a traceback) with DEBUG on or off.
        logger.error("unhandled error in %s", context.get("view"), exc_info=exc)
        set_rollback()
        return Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response.data = error_body(exc)
    if "retry_after" in response.data:
        response["Retry-After"] = str(response.data["retry_after"])
    return response
