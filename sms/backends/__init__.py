"""SMS gateways. Pick one with the SMS_BACKEND setting (a dotted path to a SmsBackend class)."""

from django.conf import settings
from django.utils.module_loading import import_string

from sms.backends.base import BaseSmsBackend


def get_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    kwargs.setdefault("timeout", settings.SMS_GATEWAY_TIMEOUT_SECONDS)
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)
