"""How the settings reach PostgreSQL, Redis and the broker, from their URLs.

Each settings module reads the URLs (with defaults of its own) and builds the Django and
Celery settings through these functions, so that every derived setting follows from the URL
it is given and no module has to write the environment before another reads it.
"""

import logging
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

POOLERS = ("none", "pgbouncer")
SENTINEL_PORT = 26379


def databases(
    url: str,
    *,
    connect_timeout: int,
    conn_max_age: int,
    query_timeout: float = 0,
    pooler: str = "none",
    idle_connections: int = 0,
) -> dict:
    """DATABASES for `url`: PostgreSQL in every real deployment, a SQLite file embedded.

    `pooler="pgbouncer"` when `url` is a PgBouncer in transaction pooling mode: each
    transaction may run on another server connection, so nothing may outlive one. Django's
    server-side cursors (`.iterator()`, WITH HOLD) do, so they are off. And no startup options
    reach PostgreSQL: PgBouncer refuses those it cannot track. So the query timeout is
    bounded by the client only (project/postgresql/base.py), and the server's own
    statement_timeout goes on the role or database instead (`ALTER ROLE ... SET
    statement_timeout = '5s'`, docs/scaling.md); other options in the URL are dropped, with a
    warning. The time zone Django sets on connecting is one PgBouncer tracks and sets again
    on every server connection it hands out.

    `idle_connections`: how many connections that threads closed a process keeps for its next
    thread (project/postgresql/idle.py; the worker's threads close theirs after each SMS).
    """
    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER must be one of {', '.join(POOLERS)}.")
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
            default["OPTIONS"]["idle_connections"] = idle_connections
    if pooler == "pgbouncer":
        dropped = default["OPTIONS"].pop("options", None)
        if dropped:
            logger.warning(
                "DATABASE_POOLER=pgbouncer: the startup options %r are not sent (PgBouncer "
                "refuses them); set them on the role or database instead",
                dropped,
            )
        if "query_timeout" in default["OPTIONS"]:
            default["OPTIONS"]["statement_timeout_on_connect"] = False
        default["DISABLE_SERVER_SIDE_CURSORS"] = True
    return {"default": default}


def sentinel_addresses(value: str) -> list[tuple[str, int]]:
    """REDIS_SENTINELS (`host:port,host:port`; the port defaults to 26379) as (host, port)."""
    addresses = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        parts = urlsplit(f"//{item}")
        try:
            port = parts.port or SENTINEL_PORT
        except ValueError as exc:
            raise ImproperlyConfigured(f"REDIS_SENTINELS: bad address {item!r}") from exc
        if not parts.hostname:
            raise ImproperlyConfigured(f"REDIS_SENTINELS: bad address {item!r}")
        addresses.append((parts.hostname, port))
    return addresses


def _sentinel_kwargs(timeout: float) -> dict:
    """How to talk to the sentinels themselves: with the timeouts of Redis, and no retries.

    redis-py retries a command 3 times with a growing backoff by default; asked while no
    sentinel answers, that turns a 1 s timeout into tens of seconds, and the next sentinel of
    the list is the retry that matters.
    """
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


def _redis_database(redis_url: str | None) -> tuple[str, int]:
    """The credentials (`user:password@` or empty) and the database number of `redis_url`."""
    if not redis_url:
        return "", 0
    parts = urlsplit(redis_url)
    credentials = parts.netloc.rpartition("@")[0]
    path = parts.path.strip("/")
    return (f"{credentials}@" if credentials else ""), int(path) if path else 0


def caches(
    redis_url: str | None,
    *,
    timeout: float,
    sentinels: list[tuple[str, int]] | None = None,
    sentinel_master: str = "mymaster",
) -> dict:
    """CACHES: the code store, throttles and cache on Redis at `redis_url`.

    With `sentinels`, on the master that they name `sentinel_master` instead, whichever server
    that is at the moment; `redis_url`'s host is then ignored, its password and database
    number still apply. Every use of Redis (code store, throttles, dev inbox, circuit breaker,
    readiness) goes through `get_redis_connection("default")`, which is the master's pool.

    Without either (the embedded default), an in-process Redis (fakeredis, with Lua), so the
    code store's scripts, the throttles and the dev inbox run unchanged without a server; it
    is per process, so the embedded default runs one.
    """
    if sentinels:
        credentials, database = _redis_database(redis_url)
        return {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                # django-redis reads the master's name where a URL has its host.
                "LOCATION": f"redis://{credentials}{sentinel_master}/{database}",
                "KEY_PREFIX": "referral",
                "OPTIONS": {
                    "CLIENT_CLASS": "django_redis.client.SentinelClient",
                    "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
                    "SENTINELS": sentinels,
                    # A sentinel that hangs must not hang the request either.
                    "SENTINEL_KWARGS": _sentinel_kwargs(timeout),
                    "SOCKET_CONNECT_TIMEOUT": timeout,
                    "SOCKET_TIMEOUT": timeout,
                },
            }
        }
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


def default_broker_url(
    redis_url: str | None, sentinels: list[tuple[str, int]] | None
) -> str | None:
    """CELERY_BROKER_URL's default: the Redis of the code store (through the sentinels when
    there are some), or none at all (the embedded default)."""
    if sentinels:
        credentials, database = _redis_database(redis_url)
        return f"sentinel://{credentials}/{database}"
    return redis_url


def _sentinel_broker_url(url: str, sentinels: list[tuple[str, int]] | None) -> str:
    """kombu's form, `sentinel://h1:p1/db;sentinel://h2:p2/db`; `sentinel:///db` (no host)
    stands for REDIS_SENTINELS."""
    parts = urlsplit(url)
    if parts.hostname:
        return url
    if not sentinels:
        raise ImproperlyConfigured(f"{url} names no sentinel, and REDIS_SENTINELS is not set.")
    credentials = parts.netloc.rpartition("@")[0]
    credentials = f"{credentials}@" if credentials else ""
    return ";".join(
        urlunsplit(("sentinel", f"{credentials}{host}:{port}", parts.path, parts.query, ""))
        for host, port in sentinels
    )


def celery_broker(
    url: str | None,
    *,
    timeout: float,
    visibility_timeout: int,
    sentinels: list[tuple[str, int]] | None = None,
    sentinel_master: str = "mymaster",
) -> dict:
    """The CELERY_BROKER_* settings (and the queue's type) for `url`: Redis (`redis://`,
    `rediss://`), Redis through Sentinel (`sentinel://`), or RabbitMQ (`amqp://`, `amqps://`).
    With none, tasks run in-process (eager)."""
    settings = {
        "CELERY_BROKER_URL": url or "memory://",
        "CELERY_TASK_ALWAYS_EAGER": url is None,
        "CELERY_BROKER_TRANSPORT": None,
        "CELERY_BROKER_TRANSPORT_OPTIONS": {},
        "CELERY_TASK_DEFAULT_QUEUE_TYPE": "classic",
        "CELERY_TASK_DEFAULT_EXCHANGE_TYPE": "direct",
        "CELERY_WORKER_DETECT_QUORUM_QUEUES": True,
        "CELERY_BROKER_READ_URL": None,
        "CELERY_BROKER_WRITE_URL": None,
    }
    if url is None:
        return settings
    scheme = urlsplit(url).scheme
    redis_options = {
        # A message a worker took but never acknowledged (the worker was killed, or Redis
        # went away under it) goes back to the queue after this long, checked every 10 s.
        # It must stay well under the code's 5-minute life, and above the longest a
        # delivery can take (the gateway timeout plus retries; prefetch is one message
        # per thread, so none waits).
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        # One worker at a time puts those messages back, under a lock in Redis. A worker killed
        # while it holds the lock leaves it for this long (kombu's default: 300 s, the code's
        # whole life, so every SMS the dead worker held came too late; the worker drill lost
        # 38 of 40 once). A scan takes milliseconds, and two workers restoring at once cannot
        # both put a message back (kombu restores each in a WATCH transaction).
        "unacked_mutex_expire": 20,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    if scheme in ("redis", "rediss"):
        # kombu's Redis transport, fixed to survive a lost connection (worker/transport.py).
        settings["CELERY_BROKER_TRANSPORT"] = "worker.transport:Transport"
        settings["CELERY_BROKER_TRANSPORT_OPTIONS"] = redis_options
    elif scheme == "sentinel":
        # The same, on whichever server the sentinels name as the master right now. Celery
        # takes CELERY_BROKER_URL from the environment over this setting, so the URL with
        # the sentinels filled in goes into the read and write URLs, which win over it.
        settings["CELERY_BROKER_URL"] = _sentinel_broker_url(url, sentinels)
        settings["CELERY_BROKER_READ_URL"] = settings["CELERY_BROKER_URL"]
        settings["CELERY_BROKER_WRITE_URL"] = settings["CELERY_BROKER_URL"]
        settings["CELERY_BROKER_TRANSPORT"] = "worker.transport:SentinelTransport"
        settings["CELERY_BROKER_TRANSPORT_OPTIONS"] = {
            **redis_options,
            "master_name": sentinel_master,
            "sentinel_kwargs": _sentinel_kwargs(timeout),
        }
    elif scheme in ("amqp", "amqps", "pyamqp"):
        settings.update(
            # RabbitMQ: a quorum queue is durable and replicated (Raft) on every node of a
            # cluster; a message is confirmed to the publisher once a majority has written
            # it. Quorum queues have no global QoS (Celery sees them and uses per-consumer
            # prefetch) and hold retries' countdowns in RabbitMQ itself ("native delayed
            # delivery"), which needs a topic exchange.
            CELERY_TASK_DEFAULT_QUEUE_TYPE="quorum",
            CELERY_TASK_DEFAULT_EXCHANGE_TYPE="topic",
            # Publisher confirms: publishing returns once RabbitMQ has the message, and
            # raises when it refuses it (instead of losing it without a word).
            CELERY_BROKER_TRANSPORT_OPTIONS={"confirm_publish": True},
        )
    return settings


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
