"""Settings shared by every environment; each one can be set from an environment variable.

Without DATABASE_URL and REDIS_URL the service runs embedded: a SQLite file, an in-process
Redis and Celery tasks run in-process. With them it runs on PostgreSQL and Redis, and the SMS
goes out through a Celery worker.
"""

from datetime import timedelta
from pathlib import Path

import environ

from project.settings.connections import caches, celery_broker, databases, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# Variables already in the environment win: read_env() only fills in the ones that are missing.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# No SECRET_KEY here: local and test give a throwaway one, production demands a real one.

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_yasg",
]
LOCAL_APPS = [
    "accounts",
    "sms",
    "invites",
    "webhooks",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "project.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "project.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# WEB PAGES: session login; the profile page sends anonymous visitors to the phone page.
LOGIN_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# DATABASE
# ------------------------------------------------------------------------------
DATABASES = databases(
    env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    connect_timeout=env.int("DATABASE_CONNECT_TIMEOUT", default=2),
    conn_max_age=env.int("CONN_MAX_AGE", default=60),
)

# REDIS: code store, throttles, cache and (by default) the Celery broker
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default=None)
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=1.0)
CACHES = caches(REDIS_URL, timeout=REDIS_TIMEOUT_SECONDS)

# CELERY
# ------------------------------------------------------------------------------
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60)
# CELERY_BROKER_URL [REDIS_URL], its transport and options; with neither URL set (the
# embedded default) there is no broker at all and tasks run in the request that sends them.
globals().update(
    celery_broker(
        env("CELERY_BROKER_URL", default=REDIS_URL),
        timeout=REDIS_TIMEOUT_SECONDS,
        visibility_timeout=CELERY_VISIBILITY_TIMEOUT,
    )
)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a worker that dies mid-delivery loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Deliveries mostly wait on the gateway: one process holds many of them in threads.
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=200)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# No task events unless someone watches: Flower switches them on while it runs, and three
# event messages per SMS would otherwise cost the worker more than the delivery does.
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
# Publishing must fail fast when the broker is down: send-code then answers 503.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# SMS
# ------------------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="sms.backends.simulated.SmsBackend")
SMS_SIMULATED_DELAY_SECONDS = (1.0, 2.0)
SMS_INBOX_ENABLED = env.bool("SMS_INBOX_ENABLED", default=False)
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10.0)
SMS_TASK_MAX_RETRIES = 5
SMS_TASK_TIME_LIMIT_SECONDS = 30

# LOGIN CODES AND LIMITS
# ------------------------------------------------------------------------------
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="RU")
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=300)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_MAX_PER_HOUR = env.int("OTP_MAX_PER_HOUR", default=5)
OTP_MAX_PER_DAY = env.int("OTP_MAX_PER_DAY", default=10)
THROTTLE_SEND_CODE = env("THROTTLE_SEND_CODE", default="20/hour")
THROTTLE_VERIFY_CODE = env("THROTTLE_VERIFY_CODE", default="60/hour")
THROTTLE_USER = env("THROTTLE_USER", default="600/minute")

# THE REFERRAL PROGRAMME: links, fraud signals, guessing, webhooks
# ------------------------------------------------------------------------------
# The public address the referral link and its QR code are built on, e.g.
# https://referral.example.com; unset, the link is built on the request's own host.
SITE_URL = env("SITE_URL", default="")
# An activation past this many of one code in the moving hour goes to review.
REFERRAL_MAX_PER_HOUR = env.int("REFERRAL_MAX_PER_HOUR", default=10)
# Past this many codes not found for one user in the moving hour, activation answers 429.
INVITE_MAX_FAILED_PER_HOUR = env.int("INVITE_MAX_FAILED_PER_HOUR", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Bounds each phase of a webhook POST (connect, send, wait for the answer).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)

# REST FRAMEWORK AND JWT
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["project.throttling.UserThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "project.exceptions.api_exception_handler",
    # The client address for per-IP throttles is REMOTE_ADDR unless the deployment says how
    # many proxies it trusts; otherwise anyone could pick their own with X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# API DOCS: drf-yasg, /api/schema.json, /api/docs/ and /api/redoc/ (see project/openapi.py)
# ------------------------------------------------------------------------------
SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "DEFAULT_INFO": "project.openapi.API_INFO",
    "DEFAULT_GENERATOR_CLASS": "project.openapi.SchemaGenerator",
    "DEFAULT_AUTO_SCHEMA_CLASS": "project.openapi.AutoSchema",
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Bearer <access>`, the access token from verify-code or refresh.",
        }
    },
    # JWT only: no Django login button in Swagger UI.
    "USE_SESSION_AUTH": False,
    # Swagger UI's validator badge would send the schema to an outside service.
    "VALIDATOR_URL": None,
    "DISPLAY_OPERATION_ID": False,
}
REDOC_SETTINGS = {"HIDE_HOSTNAME": False, "EXPAND_RESPONSES": "200,202,204"}

# LOGGING: text in development, JSON lines in production (see connections.logging_config).
# ------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
