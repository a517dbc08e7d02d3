"""SMS gateways. Pick them with the SMS_BACKEND setting: a dotted path to a SmsBackend class,
or several, comma-separated, in order of preference (sms.services fails over between them)."""

from django.conf import settings
from django.utils.module_loading import import_string

from sms.backends.base import BaseSmsBackend

# The providers that send delivery reports, by the name in their callback URL.
CALLBACK_BACKENDS = {
    "smsru": "sms.backends.smsru.SmsBackend",
    "smsaero": "sms.backends.smsaero.SmsBackend",
    "exolve": "sms.backends.exolve.SmsBackend",
    "twilio": "sms.backends.twilio.SmsBackend",
}


def backend_paths(setting: str | None = None) -> list[str]:
    paths = [path.strip() for path in (setting or settings.SMS_BACKEND).split(",")]
    return [path for path in paths if path]


def get_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    """One backend: `backend`, or the first of SMS_BACKEND."""
    kwargs.setdefault("timeout", settings.SMS_GATEWAY_TIMEOUT_SECONDS)
    return import_string(backend or backend_paths()[0])(**kwargs)


def get_backends(**kwargs) -> list[BaseSmsBackend]:
    """Every backend of SMS_BACKEND, in order of preference."""
    return [get_backend(path, **kwargs) for path in backend_paths()]
