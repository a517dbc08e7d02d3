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
# databases, and its load comes from one address to consecutive numbers. Every defence stays on
# at its default but those that this traffic itself would trip, which are raised.
UNLIMITED = "1000000000"
ENV = {
    # Off, as in production: the development inbox costs each delivery a Redis transaction.
    # Only the end-to-end logins, which read their codes from it, run with it (their own web
    # and worker processes, bench/__main__.py).
    "SMS_INBOX_ENABLED": "0",
    # The per-IP rates and the daily cap on wrong codes per IP: all the load is one address.
    "THROTTLE_SEND_CODE": f"{UNLIMITED}/hour",
    "THROTTLE_VERIFY_CODE": f"{UNLIMITED}/hour",
    "THROTTLE_USER": f"{UNLIMITED}/minute",
    "OTP_MAX_FAILED_PER_IP": UNLIMITED,
    # Thousands of codes to consecutive numbers, few of them verified: the range limit and the
    # conversion watch would block these ranges within seconds.
    "OTP_MAX_PER_RANGE": UNLIMITED,
    "SMS_WATCH_MIN_SENDS": UNLIMITED,
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
