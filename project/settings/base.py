"""Settings shared by every environment; each one can be set from an environment variable.

Without DATABASE_URL and REDIS_URL the service runs embedded: a SQLite file, an in-process
Redis and Celery tasks run in-process. With them it runs on PostgreSQL and Redis, and the SMS
goes out through a Celery worker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

from project.settings.connections import (
    caches,
    celery_broker,
    databases,
    default_broker_url,
    logging_config,
    sentinel_addresses,
)

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
    "axes",
    "csp",
]
LOCAL_APPS = [
    "accounts",
    "sms",
    "invites",
    "webhooks",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

AUTH_USER_MODEL = "accounts.User"
# The admin's password login: django-axes' lockout check first, then Django's ModelBackend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    "project.middleware.RequestIdMiddleware",
    "project.middleware.ApiMiddleware",
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
    "project.middleware.CSPMiddleware",
    # Last: it turns the admin login's lockout into its 429 answer.
    "axes.middleware.AxesMiddleware",
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

# CONTENT SECURITY POLICY (django-csp) of every HTML page: its own scripts, styles and images
# only, no inline script or style, no plugin, no framing, forms posted to itself. The API docs
# pages (project/urls.py) add what Swagger UI and ReDoc need.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

# A CSRF refusal under /api/ is the contract's JSON; pages keep Django's page.
CSRF_FAILURE_VIEW = "project.views.csrf_failure"

# THE ADMIN'S LOGIN: django-axes locks a phone (the admin's username) at one client address
# after ADMIN_LOGIN_MAX_FAILED wrong passwords, until ADMIN_LOGIN_LOCKOUT_MINUTES have passed
# since the last failure or an operator runs `manage.py axes_reset` (docs/hardening.md).
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_MAX_FAILED", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_LOCKOUT_MINUTES", default=60))
# By phone and address together: by phone alone anyone who knows an operator's number could
# lock them out; by address alone, everyone behind one NAT would be locked together.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (USERNAME_FIELD is "phone")
AXES_CLIENT_IP_CALLABLE = "project.throttling.client_ip"  # NUM_PROXIES, as the throttles
AXES_ONLY_ADMIN_SITE = True
AXES_HANDLER = "accounts.lockout.AdminLoginHandler"
AXES_RESET_ON_SUCCESS = True  # an operator's typos do not add up across successful logins

# WEB PAGES: session login; the profile page sends anonymous visitors to the phone page.
LOGIN_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# DATABASE
# ------------------------------------------------------------------------------
# `pgbouncer` when DATABASE_URL is a PgBouncer in transaction pooling mode (docs/scaling.md).
DATABASE_POOLER = env("DATABASE_POOLER", default="none")
DATABASES = databases(
    env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    connect_timeout=env.int("DATABASE_CONNECT_TIMEOUT", default=2),
    conn_max_age=env.int("CONN_MAX_AGE", default=60),
    query_timeout=env.float("DATABASE_QUERY_TIMEOUT_SECONDS", default=5),
    pooler=DATABASE_POOLER,
    idle_connections=env.int("DATABASE_IDLE_CONNECTIONS", default=8),
)

# REDIS: code store, throttles, cache and (by default) the Celery broker
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default=None)
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=1.0)
# Redis Sentinel (`host:port,host:port`): when set, it wins over REDIS_URL's host; the code
# store, throttles and cache live on the master the sentinels name REDIS_SENTINEL_MASTER.
REDIS_SENTINELS = sentinel_addresses(env("REDIS_SENTINELS", default=""))
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="mymaster")
CACHES = caches(
    REDIS_URL,
    timeout=REDIS_TIMEOUT_SECONDS,
    sentinels=REDIS_SENTINELS,
    sentinel_master=REDIS_SENTINEL_MASTER,
)

# CELERY
# ------------------------------------------------------------------------------
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60)
# CELERY_BROKER_URL [REDIS_URL, or through REDIS_SENTINELS when set]: redis://, sentinel://
# or amqp:// (RabbitMQ), its transport and options; with no Redis and no broker (the embedded
# default) there is no broker at all and tasks run in the request that sends them.
globals().update(
    celery_broker(
        env("CELERY_BROKER_URL", default=default_broker_url(REDIS_URL, REDIS_SENTINELS)),
        timeout=REDIS_TIMEOUT_SECONDS,
        visibility_timeout=CELERY_VISIBILITY_TIMEOUT,
        sentinels=REDIS_SENTINELS,
        sentinel_master=REDIS_SENTINEL_MASTER,
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
# Celery beat (`celery -A worker beat`, one process per deployment) runs the periodic tasks.
# It answers `celery inspect ping` (celerybeat@<host>) while its loop ticks: the health check.
# Periodic tasks, sent by `celery beat` (one per deployment): the SMS log's pruning, and the
# expired sessions, which stay in django_session until cleared.
CELERY_BEAT_SCHEDULE = {
    "sms-log-prune": {"task": "sms.tasks.sms_log_prune", "schedule": timedelta(hours=1)},
    "sessions-clear": {
        "task": "accounts.tasks.sessions_clear",
        "schedule": crontab(hour=3, minute=17),
    },
}
CELERY_BEAT_ENABLE_REMOTE_CONTROL = True
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "celerybeat-schedule")
)
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

# SMS GATEWAYS: real providers, failover and delivery reports (docs/sms-gateways.md). A comma-
# separated SMS_BACKEND is tried in order; a backend that failed SMS_CIRCUIT_FAILURES times in
# SMS_CIRCUIT_WINDOW_SECONDS is skipped for SMS_CIRCUIT_OPEN_SECONDS, across all workers.
# ------------------------------------------------------------------------------
SMS_CIRCUIT_FAILURES = env.int("SMS_CIRCUIT_FAILURES", default=5)
SMS_CIRCUIT_WINDOW_SECONDS = env.int("SMS_CIRCUIT_WINDOW_SECONDS", default=60)
SMS_CIRCUIT_OPEN_SECONDS = env.int("SMS_CIRCUIT_OPEN_SECONDS", default=30)
SMS_LOG_DAYS = env.int("SMS_LOG_DAYS", default=30)
# Delivery reports: POST /api/v1/sms/callbacks/<backend>/<SMS_CALLBACK_TOKEN>/ (unset: off).
SMS_CALLBACK_TOKEN = env("SMS_CALLBACK_TOKEN", default="")
# This service's public origin (https://example.com): with it, Twilio and SMS Aero are told the
# callback URL with every message; SMS.ru and Exolve take it once, in their dashboards.
SMS_CALLBACK_BASE_URL = env("SMS_CALLBACK_BASE_URL", default="")
SMSRU_API_ID = env("SMSRU_API_ID", default="")
SMSRU_FROM = env("SMSRU_FROM", default="")
SMSRU_TEST = env.bool("SMSRU_TEST", default=False)
SMSRU_API_URL = env("SMSRU_API_URL", default="https://sms.ru")
SMSAERO_EMAIL = env("SMSAERO_EMAIL", default="")
SMSAERO_API_KEY = env("SMSAERO_API_KEY", default="")
SMSAERO_SIGN = env("SMSAERO_SIGN", default="")
SMSAERO_API_URL = env("SMSAERO_API_URL", default="https://gate.smsaero.ru/v2")
EXOLVE_API_KEY = env("EXOLVE_API_KEY", default="")
EXOLVE_FROM = env("EXOLVE_FROM", default="")
EXOLVE_API_URL = env("EXOLVE_API_URL", default="https://api.exolve.ru")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env("TWILIO_FROM", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_URL = env("TWILIO_API_URL", default="https://api.twilio.com")

# LOGIN CODES AND LIMITS
# ------------------------------------------------------------------------------
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="RU")
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=300)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_MAX_PER_HOUR = env.int("OTP_MAX_PER_HOUR", default=5)
OTP_MAX_PER_DAY = env.int("OTP_MAX_PER_DAY", default=10)
OTP_CODE_LENGTH = env.int("OTP_CODE_LENGTH", default=4)  # 4 to 8 digits
# Each further code to a phone in the moving day multiplies the next wait, up to the maximum.
OTP_RESEND_BACKOFF = env.float("OTP_RESEND_BACKOFF", default=2.0)
OTP_RESEND_COOLDOWN_MAX_SECONDS = env.int("OTP_RESEND_COOLDOWN_MAX_SECONDS", default=1800)
# Wrong codes in the moving 24 h, per phone and per client IP.
OTP_MAX_FAILED_PER_DAY = env.int("OTP_MAX_FAILED_PER_DAY", default=15)
OTP_MAX_FAILED_PER_IP = env.int("OTP_MAX_FAILED_PER_IP", default=30)
# `+79990000001:1234,+79990000002:5678`: no SMS, that fixed code (app-store review, e2e).
OTP_TEST_NUMBERS = env("OTP_TEST_NUMBERS", default="")
THROTTLE_SEND_CODE = env("THROTTLE_SEND_CODE", default="20/hour")
THROTTLE_VERIFY_CODE = env("THROTTLE_VERIFY_CODE", default="60/hour")
THROTTLE_USER = env("THROTTLE_USER", default="600/minute")

# STOPPING SMS PUMPING (the contract's section of that name; docs/abuse.md)
# ------------------------------------------------------------------------------
PHONE_ALLOWED_REGIONS = env.list("PHONE_ALLOWED_REGIONS", default=["RU", "KZ"])  # `*`: all
SMS_MAX_PER_HOUR = env.int("SMS_MAX_PER_HOUR", default=None)  # unset: no cap
SMS_MAX_PER_DAY = env.int("SMS_MAX_PER_DAY", default=None)
# A range: the numbers that share all digits but the last OTP_RANGE_DIGITS.
OTP_RANGE_DIGITS = env.int("OTP_RANGE_DIGITS", default=3)
OTP_MAX_PER_RANGE = env.int("OTP_MAX_PER_RANGE", default=30)
OTP_RANGE_WINDOW_SECONDS = env.int("OTP_RANGE_WINDOW_SECONDS", default=600)
SMS_WATCH_WINDOW_SECONDS = env.int("SMS_WATCH_WINDOW_SECONDS", default=3600)
SMS_WATCH_GRACE_SECONDS = env.int("SMS_WATCH_GRACE_SECONDS", default=300)
SMS_WATCH_MIN_SENDS = env.int("SMS_WATCH_MIN_SENDS", default=20)
SMS_WATCH_MIN_CONVERSION = env.float("SMS_WATCH_MIN_CONVERSION", default=0.2)
SMS_WATCH_BLOCK_SECONDS = env.int("SMS_WATCH_BLOCK_SECONDS", default=3600)
SMS_WEBOTP_DOMAIN = env("SMS_WEBOTP_DOMAIN", default=None)

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
    "DEFAULT_PARSER_CLASSES": ["project.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "project.negotiation.ContentNegotiation",
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

# METRICS: GET /metrics (project/metrics.py) and the worker's port (worker/metrics.py)
# ------------------------------------------------------------------------------
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Without a token /metrics is open here; production settings serve it only with one.
METRICS_REQUIRE_TOKEN = False
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=9808)

# LOGGING: text in development, JSON lines in production (see connections.logging_config).
# ------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
