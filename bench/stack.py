"""The stack the benchmark measures: production settings, on databases of the bench's own."""

import os
import secrets
from pathlib import Path

import psycopg2
import redis

from harness import Stack

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run" / "bench"
PORT = 8100
DATABASE = "referral_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/10"
BROKER_URL = "redis://127.0.0.1:6379/11"

# What the bench changes of production settings: nothing else on the machine uses these
# databases, and its load comes from one address.
ENV = {
    "SMS_INBOX_ENABLED": "1",  # the end-to-end logins read their codes from it
    # The per-IP throttles would stop a load test from one address at its first seconds.
    "THROTTLE_SEND_CODE": "1000000000/hour",
    "THROTTLE_VERIFY_CODE": "1000000000/hour",
    "THROTTLE_USER": "1000000000/minute",
    "LOG_LEVEL": "WARNING",  # no log line per request while measuring
    "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "4"),
    "WEB_THREADS": os.environ.get("WEB_THREADS", "1"),
}


def reset() -> None:
    """Empty the bench's databases: a run starts from nothing."""
    server = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    server.close()
    for url in (REDIS_URL, BROKER_URL):
        redis.Redis.from_url(url).flushdb()


def bench_stack() -> Stack:
    return Stack(
        RUN_DIR,
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        broker_url=BROKER_URL,
        env={**ENV, "SECRET_KEY": secrets.token_urlsafe(64)},
    )


def django_setup(stack: Stack) -> None:
    """Django in this process, with the stack's settings and key: what it seeds, issues and
    signs here, the stack reads there."""
    import django

    os.environ.update(stack.env)
    django.setup()
