"""The drills' live stack: gunicorn and a Celery worker on a PostgreSQL and a Redis of their
own (never the machine's shared servers), which the drills stop, kill, pause and resume; and
the same with RabbitMQ (a vhost of its own on the machine's RabbitMQ) as the broker.

Each drill adds a row to the table printed at the end of the run (`drill_report`), before it
asserts, so a failed drill still shows what happened.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness import Api, PostgresServer, RabbitMQVhost, RedisServer, Stack

# A message a dead worker held goes back to the queue after this long (production: 60 s).
VISIBILITY_TIMEOUT = 10
# The bounds of a query (PostgreSQL's statement_timeout; the client gives up a second later)
# and of a connection attempt, in seconds (production: 5 and 2).
QUERY_TIMEOUT = 2
CONNECT_TIMEOUT = 2

REPORTS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def scale(request) -> int:
    """How many codes a drill sends: a few with --smoke (CI), more otherwise."""
    return 20 if request.config.getoption("--smoke") else 100


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def redis(tmp_path_factory):
    # With its append-only file, as docker-compose.yml's Redis: a restart keeps codes and SMS.
    server = RedisServer(tmp_path_factory.mktemp("redis"), appendonly=True)
    server.start()
    yield server
    if server.running():
        server.stop()


@contextmanager
def live_stack(
    directory, database_url: str, redis, first_db: int, env: dict, *, broker_url: str = ""
) -> Iterator[Stack]:
    """A migrated stack on `database_url` and Redis databases `first_db` (cache, code store)
    and the next (broker, unless `broker_url` names another), with one web process
    (`web_process`) and one worker (`worker_process`) started."""
    with Stack(
        directory,
        database_url=database_url,
        redis_url=redis.database(first_db),
        broker_url=broker_url or redis.database(first_db + 1),
        env=env,
    ) as running:
        running.migrate()
        running.web_process = running.web()
        running.worker_process = running.worker()
        yield running


# Production settings, two sync web processes (as a deployment runs them, but fewer), one
# worker; every query bounded by QUERY_TIMEOUT, every connection by CONNECT_TIMEOUT.
STACK_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "DATABASE_QUERY_TIMEOUT_SECONDS": str(QUERY_TIMEOUT),
    "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    "THROTTLE_SEND_CODE": "1000000/hour",
    "THROTTLE_VERIFY_CODE": "1000000/hour",
    "THROTTLE_USER": "1000000/minute",
    # Codes to hundreds of consecutive numbers, none typed in: not what these drills are
    # about (make abuse is), so the range limit and the watch stay out of their way.
    "OTP_MAX_PER_RANGE": "1000000",
    "SMS_WATCH_MIN_SENDS": "1000000",
    "WEB_CONCURRENCY": "2",
}


@pytest.fixture(scope="session")
def stack(postgres, redis, tmp_path_factory):
    with live_stack(
        tmp_path_factory.mktemp("stack"), postgres.url("referral_drills"), redis, 0, STACK_ENV
    ) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack) -> Api:
    return Api(stack.web_process.url)


@pytest.fixture(scope="session")
def vhost():
    """A vhost of the drills' own on the machine's RabbitMQ (TEST_RABBITMQ_URL moves it)."""
    vhost = RabbitMQVhost(os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672"))
    vhost.create()
    yield vhost
    vhost.delete()


@pytest.fixture(scope="session")
def rabbitmq_stack(postgres, redis, vhost, tmp_path_factory):
    """The same stack with RabbitMQ as its broker (a database and Redis database of its own:
    the abuse run's stack has 2 and 3)."""
    with live_stack(
        tmp_path_factory.mktemp("rabbitmq-stack"),
        postgres.url("referral_drills_rabbitmq"),
        redis,
        4,
        STACK_ENV,
        broker_url=vhost.url,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def user(api) -> dict:
    """A logged-in user (its verify-code answer), and below, another one to invite it."""
    return api.login("+79200000001")


@pytest.fixture(scope="session")
def inviter(api) -> dict:
    return api.login("+79200000002")


class Report:
    """A Markdown table printed at the end of the run."""

    def __init__(self, title: str, columns: tuple[str, ...]) -> None:
        self.title, self.columns, self.rows = title, columns, []

    def add(self, *row) -> None:
        self.rows.append(row)


def report(request, title: str, *columns: str) -> Report:
    reports = request.config.stash.setdefault(REPORTS, {})
    return reports.setdefault(title, Report(title, columns))


@pytest.fixture
def drill_report(request) -> Report:
    """.add(drill, what happened, lost)"""
    return report(request, "drills", "drill", "what happened", "lost")


@pytest.fixture
def abuse_report(request) -> Report:
    """.add(attack, what got through, the most the settings allow)"""
    return report(request, "abuse", "attack", "what got through", "cap from the settings")


def pytest_terminal_summary(terminalreporter, config):
    for table in config.stash.get(REPORTS, {}).values():
        terminalreporter.section(table.title)
        terminalreporter.write_line("| " + " | ".join(table.columns) + " |")
        terminalreporter.write_line("|" + " --- |" * len(table.columns))
        for row in table.rows:
            terminalreporter.write_line("| " + " | ".join(map(str, row)) + " |")
