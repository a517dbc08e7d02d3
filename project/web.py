"""What the web pages share: service refusals shown next to a field, outages as a friendly page.

The pages call the same services as the API, so they meet the same API exceptions and the
same backing-service outages (`INFRASTRUCTURE_ERRORS`); this module turns both into HTML.
"""

import logging
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException
from rest_framework.throttling import BaseThrottle

from project.exceptions import RetryLater, ServiceError, ServiceUnavailable
from project.outages import INFRASTRUCTURE_ERRORS

logger = logging.getLogger(__name__)


class PageForm(forms.Form):
    """A form of the pages: labels without Django's trailing colon."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class Refusal:
    """How a page answers when a service said no: its HTTP status and, for 429, Retry-After."""

    status: int
    retry_after: int | None = None

    def apply(self, response: HttpResponse) -> HttpResponse:
        response.status_code = self.status
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response


def refuse(form: forms.Form, field: str | None, exc: Exception) -> Refusal:
    """Put why a service said no next to `field` of `form` (None: the form as a whole).

    The error keeps the service's code (`invalid_code`, `resend_too_soon`, ...) and its fields
    (`attempts_left`, `retry_after`) as the ValidationError's code and params.
    """
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        logger.warning("backing service unavailable: %s: %s", type(exc).__name__, exc)
        exc = ServiceUnavailable()
    if not isinstance(exc, APIException):
        raise exc
    message, params = str(exc.detail), dict(getattr(exc, "fields", {}))
    if params:  # the detail is already formatted: only the params' own formatting must pass
        message = message.replace("%", "%%")
    form.add_error(field, ValidationError(message, code=exc.default_code, params=params or None))
    retry_after = exc.wait if isinstance(exc, ServiceError) else None
    return Refusal(status=exc.status_code, retry_after=retry_after)


# What a page catches around a service call: a rule's refusal or a backing service down.
REFUSALS: tuple[type[Exception], ...] = (APIException, *INFRASTRUCTURE_ERRORS)


def throttle_check(request: HttpRequest, throttle_class: type[BaseThrottle]) -> None:
    """The API's per-client-IP throttle, on a page: one budget per client for both."""
    throttle = throttle_class()
    if not throttle.allow_request(request, None):
        raise RetryLater(retry_after=throttle.wait() or 1)


class OutageMixin:
    """A backing service that is down anywhere in a page gets a friendly 503 page, not a 500."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except INFRASTRUCTURE_ERRORS as exc:
            logger.warning("backing service unavailable: %s: %s", type(exc).__name__, exc)
            return render(request, "unavailable.html", status=503)
