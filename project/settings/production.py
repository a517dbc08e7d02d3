"""Production: secrets only from the environment, DEBUG refused, HTTPS, JSON logs."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, LOG_LEVEL, env
from .connections import logging_config

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production settings.")

# No default: a deployment without its own key must not start.
SECRET_KEY = env("SECRET_KEY")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY must be a long random value (50+ characters), e.g. from "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# One JSON object a line, for the platform's log collector.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SMS_INBOX_ENABLED = env.bool("SMS_INBOX_ENABLED", default=False)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS. Behind a proxy that terminates TLS, trust its scheme header only when told to.
if env.bool("TRUST_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and Prometheus probe these over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics only behind a METRICS_TOKEN: counts by view and outcome are not for everyone.
METRICS_REQUIRE_TOKEN = True
# HSTS for a year (what browsers' preload lists ask for, and the common advice). `preload` is
# the owner's consent to the browsers' preload lists, which hold the whole registrable domain
# and every subdomain to HTTPS for months after a removal request: a decision for whoever owns
# the domain (SECURE_HSTS_PRELOAD=1), not a default of one service on it.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # "SECURE_HSTS_PRELOAD is not True": see above
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
