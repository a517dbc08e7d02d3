"""Tests: the real PostgreSQL and Redis on this machine, on databases of their own.

Each of these defaults still gives way to an environment variable that is set, and the
connection settings are built again from them, as base builds its own.
"""

from .base import *  # noqa: F403
from .base import (
    CELERY_VISIBILITY_TIMEOUT,
    DATABASE_POOLER,
    REDIS_SENTINEL_MASTER,
    REDIS_SENTINELS,
    REDIS_TIMEOUT_SECONDS,
    env,
)
from .connections import caches, celery_broker, databases

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-secret-key-not-for-any-deployment")
ALLOWED_HOSTS = ["*"]
SMS_INBOX_ENABLED = env.bool("SMS_INBOX_ENABLED", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DATABASES = databases(
    env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/referral"),
    connect_timeout=env.int("DATABASE_CONNECT_TIMEOUT", default=2),
    conn_max_age=env.int("CONN_MAX_AGE", default=60),
    query_timeout=env.float("DATABASE_QUERY_TIMEOUT_SECONDS", default=5),
    pooler=DATABASE_POOLER,
    idle_connections=env.int("DATABASE_IDLE_CONNECTIONS", default=8),
)
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/14")
_sentinel = {"sentinels": REDIS_SENTINELS, "sentinel_master": REDIS_SENTINEL_MASTER}
CACHES = caches(REDIS_URL, timeout=REDIS_TIMEOUT_SECONDS, **_sentinel)
globals().update(
    celery_broker(
        env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15"),
        timeout=REDIS_TIMEOUT_SECONDS,
        visibility_timeout=CELERY_VISIBILITY_TIMEOUT,
        **_sentinel,
    )
)

# Tests set the limits they are about; the rest must not trip over per-IP throttles.
THROTTLE_SEND_CODE = env("THROTTLE_SEND_CODE", default="100000/hour")
THROTTLE_VERIFY_CODE = env("THROTTLE_VERIFY_CODE", default="100000/hour")
THROTTLE_USER = env("THROTTLE_USER", default="100000/minute")

# Static files straight from the apps, no collectstatic needed (production collects them).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
