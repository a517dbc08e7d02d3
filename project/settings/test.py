"""Tests: the real PostgreSQL and Redis on this machine, on databases of their own.

Defaults go in as environment variables before base reads them, so a variable that is set
still wins and every derived setting (cache, broker, limits) follows from one place.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# Tests set the limits they are about; the rest must not trip over per-IP throttles.
os.environ.setdefault("THROTTLE_SEND_CODE", "100000/hour")
os.environ.setdefault("THROTTLE_VERIFY_CODE", "100000/hour")
os.environ.setdefault("THROTTLE_USER", "100000/minute")

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-only-secret-key-not-for-any-deployment")
ALLOWED_HOSTS = ["*"]
SMS_INBOX_ENABLED = env.bool("SMS_INBOX_ENABLED", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files straight from the apps, no collectstatic needed (production collects them).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
