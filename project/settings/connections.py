"""How the settings reach PostgreSQL, Redis and the broker, from their URLs.

Each settings module reads the URLs (with defaults of its own) and builds the Django and
Celery settings through these functions, so that every derived setting follows from the URL
it is given and no module has to write the environment before another reads it.
"""

import environ


def databases(
    url: str, *, connect_timeout: int, conn_max_age: int, query_timeout: float = 0
) -> dict:
    """DATABASES for `url`: PostgreSQL in every real deployment, a SQLite file embedded."""
    default = environ.Env.db_url_config(url)
    default["CONN_MAX_AGE"] = conn_max_age
    default["CONN_HEALTH_CHECKS"] = True
    if default["ENGINE"] == "django.db.backends.sqlite3":
        # BEGIN IMMEDIATE: concurrent writers queue up instead of failing with "locked".
        default["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    else:
        # A database that is down must answer 503 quickly, not hang the request.
        default.setdefault("OPTIONS", {})["connect_timeout"] = connect_timeout
        if default["ENGINE"] == "django.db.backends.postgresql" and query_timeout:
            # ...and so must one that hangs: every query bounded (project/postgresql/base.py).
            default["ENGINE"] = "project.postgresql"
            default["OPTIONS"]["query_timeout"] = query_timeout
    return {"default": default}


def caches(redis_url: str | None, *, timeout: float) -> dict:
    """CACHES: the code store, throttles and cache on Redis at `redis_url`.

    Without one (the embedded default), an in-process Redis (fakeredis, with Lua), so the code
    store's scripts, the throttles and the dev inbox run unchanged without a server; it is
    per process, so the embedded default runs one.
    """
    if redis_url:
        options: dict = {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout}
    else:
        import fakeredis

        options = {"CONNECTION_POOL_KWARGS": {"connection_class": fakeredis.FakeConnection}}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url or "redis://embedded:6379/0",
            "KEY_PREFIX": "referral",
            "OPTIONS": options,
        }
    }


def celery_broker(url: str | None, *, timeout: float, visibility_timeout: int) -> dict:
    """The CELERY_BROKER_* settings for `url`; with none, tasks run in-process (eager)."""
    if url is None:
        return {
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": True,
            "CELERY_BROKER_TRANSPORT": None,
            "CELERY_BROKER_TRANSPORT_OPTIONS": {},
        }
    transport = None
    if url.startswith(("redis://", "rediss://")):
        # kombu's Redis transport, fixed to survive a lost connection (worker/transport.py).
        transport = "worker.transport:Transport"
    return {
        "CELERY_BROKER_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_BROKER_TRANSPORT": transport,
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            # A message a worker took but never acknowledged (the worker was killed, or Redis
            # went away under it) goes back to the queue after this long, checked every 10 s.
            # It must stay well under the code's 5-minute life, and above the longest a
            # delivery can take (the gateway timeout plus retries; prefetch is one message
            # per thread, so none waits).
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
    }


def logging_config(*, log_format: str, level: str) -> dict:
    """LOGGING: one line per request and per delivered SMS; never a login code. Every record
    carries the id of the request (or of the request that enqueued the task) it belongs to.
    `log_format` is "text" (development) or "json" (production)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "project.request_id.RequestIdFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The request log replaces Django's own 4xx warnings; errors are still logged.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
            # The worker logs "sms delivered" once per SMS; Celery's own received/succeeded
            # lines would make three. Failures and retries still show.
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
            # django-axes announces itself at every start of every process and command.
            "axes.apps": {"level": "WARNING"},
        },
    }
