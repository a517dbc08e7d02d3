"""Development on one machine: debug on, the dev SMS inbox on, a throwaway secret key."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SMS_INBOX_ENABLED = env.bool("SMS_INBOX_ENABLED", default=True)

# Static files straight from the apps, no collectstatic needed (production collects them).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
