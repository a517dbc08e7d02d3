"""How the settings reach PostgreSQL, Redis and the broker from their URLs (connections.py):
PgBouncer, Redis Sentinel and RabbitMQ, and the defaults that stay as they were."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from project.settings.connections import (
    caches,
    celery_broker,
    databases,
    default_broker_url,
    sentinel_addresses,
)

POSTGRES = "postgres://referral:secret@db.internal:5432/referral"
SENTINELS = [("10.0.0.1", 26379), ("10.0.0.2", 26380)]


def broker(url, **kwargs):
    return celery_broker(url, timeout=1.0, visibility_timeout=60, **kwargs)


def assert_sentinel_kwargs(kwargs: dict) -> None:
    """The sentinels are asked with the Redis timeouts, and no retry with backoff."""
    assert (kwargs["socket_connect_timeout"], kwargs["socket_timeout"]) == (1.0, 1.0)
    assert kwargs["retry"].get_retries() == 0


def test_without_a_pooler_the_database_settings_are_as_before():
    [default] = databases(POSTGRES, connect_timeout=2, conn_max_age=60).values()
    assert default["OPTIONS"] == {"connect_timeout": 2}
    assert "DISABLE_SERVER_SIDE_CURSORS" not in default
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (60, True)


def test_behind_pgbouncer_there_are_no_server_side_cursors():
    [default] = databases(POSTGRES, connect_timeout=2, conn_max_age=60, pooler="pgbouncer").values()
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["OPTIONS"] == {"connect_timeout": 2}
    # Connections to PgBouncer hold no server connection between transactions: kept.
    assert default["CONN_MAX_AGE"] == 60


def test_behind_pgbouncer_startup_options_are_dropped_and_said_so(caplog):
    url = f"{POSTGRES}?options=-c%20statement_timeout%3D5000"
    assert databases(url, connect_timeout=2, conn_max_age=0)["default"]["OPTIONS"]["options"] == (
        "-c statement_timeout=5000"
    )
    with caplog.at_level(logging.WARNING, logger="project.settings.connections"):
        [default] = databases(url, connect_timeout=2, conn_max_age=0, pooler="pgbouncer").values()
    assert "options" not in default["OPTIONS"]
    assert "statement_timeout" in caplog.text


def test_behind_pgbouncer_queries_are_bounded_by_the_client_alone():
    """DATABASE_QUERY_TIMEOUT_SECONDS: the server's statement_timeout is a startup option,
    which PgBouncer refuses; the client's bound stays (the role carries the other)."""
    from project.postgresql.base import DatabaseWrapper

    [direct] = databases(POSTGRES, connect_timeout=2, conn_max_age=60, query_timeout=5).values()
    [pooled] = databases(
        POSTGRES, connect_timeout=2, conn_max_age=60, query_timeout=5, pooler="pgbouncer"
    ).values()
    assert direct["ENGINE"] == pooled["ENGINE"] == "project.postgresql"
    direct_params = DatabaseWrapper({**direct, "TIME_ZONE": None}).get_connection_params()
    pooled_params = DatabaseWrapper({**pooled, "TIME_ZONE": None}).get_connection_params()
    assert direct_params["options"] == "-c statement_timeout=5000"
    assert "options" not in pooled_params
    assert pooled_params["connection_factory"].query_seconds == 5 + 1
    assert "statement_timeout_on_connect" not in pooled_params  # not a libpq parameter


def test_an_unknown_pooler_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER"):
        databases(POSTGRES, connect_timeout=2, conn_max_age=0, pooler="pgpool")


@pytest.mark.parametrize(
    ("value", "addresses"),
    [
        ("10.0.0.1:26379,10.0.0.2:26380", SENTINELS),
        (" sentinel-a , sentinel-b:5000 ", [("sentinel-a", 26379), ("sentinel-b", 5000)]),
        ("[::1]:26381", [("::1", 26381)]),
        ("", []),
    ],
)
def test_sentinel_addresses_are_read_with_the_default_port(value, addresses):
    assert sentinel_addresses(value) == addresses


@pytest.mark.parametrize("value", ["host:port", ":26379", "host:99999"])
def test_a_bad_sentinel_address_is_refused(value):
    with pytest.raises(ImproperlyConfigured, match="REDIS_SENTINELS"):
        sentinel_addresses(value)


def test_without_sentinels_the_code_store_is_on_redis_url():
    [default] = caches("redis://cache.internal:6379/3", timeout=1.0).values()
    assert default["LOCATION"] == "redis://cache.internal:6379/3"
    assert "CLIENT_CLASS" not in default["OPTIONS"]


def test_sentinels_win_over_redis_url_whose_password_and_database_stay():
    [default] = caches(
        "redis://:pw@ignored.internal:6379/14",
        timeout=1.0,
        sentinels=SENTINELS,
        sentinel_master="referral",
    ).values()
    assert default["LOCATION"] == "redis://:pw@referral/14"
    options = default["OPTIONS"]
    assert options["CLIENT_CLASS"] == "django_redis.client.SentinelClient"
    assert options["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    assert options["SENTINELS"] == SENTINELS
    assert_sentinel_kwargs(options["SENTINEL_KWARGS"])
    assert (options["SOCKET_CONNECT_TIMEOUT"], options["SOCKET_TIMEOUT"]) == (1.0, 1.0)


def test_sentinels_alone_give_database_0():
    [default] = caches(None, timeout=1.0, sentinels=SENTINELS).values()
    assert default["LOCATION"] == "redis://mymaster/0"


def test_no_broker_runs_tasks_in_process():
    settings = broker(None)
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["CELERY_BROKER_URL"] == "memory://"


def test_a_redis_broker_keeps_its_transport_and_visibility_timeout():
    settings = broker("redis://broker.internal:6379/1")
    assert settings["CELERY_BROKER_READ_URL"] is settings["CELERY_BROKER_WRITE_URL"] is None
    assert settings["CELERY_BROKER_TRANSPORT"] == "worker.transport:Transport"
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == 60
    # A killed worker's restore lock must not outlive the messages it keeps from the queue.
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["unacked_mutex_expire"] == 20
    assert settings["CELERY_TASK_DEFAULT_QUEUE_TYPE"] == "classic"
    assert settings["CELERY_TASK_DEFAULT_EXCHANGE_TYPE"] == "direct"


def test_a_rabbitmq_broker_gets_a_quorum_queue_and_publisher_confirms():
    settings = broker("amqp://referral:secret@rabbit.internal:5672/referral")
    assert settings["CELERY_BROKER_URL"] == "amqp://referral:secret@rabbit.internal:5672/referral"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False
    assert settings["CELERY_BROKER_TRANSPORT"] is None  # kombu's py-amqp transport
    assert settings["CELERY_TASK_DEFAULT_QUEUE_TYPE"] == "quorum"
    # Native delayed delivery (the retries' countdowns on quorum queues) needs a topic exchange.
    assert settings["CELERY_TASK_DEFAULT_EXCHANGE_TYPE"] == "topic"
    assert settings["CELERY_WORKER_DETECT_QUORUM_QUEUES"] is True
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"confirm_publish": True}


def test_a_sentinel_broker_names_the_master_and_bounds_the_sentinels():
    settings = broker(
        "sentinel://10.0.0.1:26379/15;sentinel://10.0.0.2:26380/15", sentinel_master="referral"
    )
    assert settings["CELERY_BROKER_URL"] == (
        "sentinel://10.0.0.1:26379/15;sentinel://10.0.0.2:26380/15"
    )
    assert settings["CELERY_BROKER_TRANSPORT"] == "worker.transport:SentinelTransport"
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options["master_name"] == "referral"
    assert_sentinel_kwargs(options["sentinel_kwargs"])
    assert options["visibility_timeout"] == 60


def test_a_sentinel_broker_without_a_host_goes_through_redis_sentinels():
    settings = broker("sentinel://:pw@/15", sentinels=SENTINELS)
    expanded = "sentinel://:pw@10.0.0.1:26379/15;sentinel://:pw@10.0.0.2:26380/15"
    assert settings["CELERY_BROKER_URL"] == expanded
    # Celery prefers CELERY_BROKER_URL from the environment (unexpanded) to the setting; the
    # read and write URLs win over both.
    assert settings["CELERY_BROKER_READ_URL"] == settings["CELERY_BROKER_WRITE_URL"] == expanded
    with pytest.raises(ImproperlyConfigured, match="REDIS_SENTINELS"):
        broker("sentinel:///15")


def test_the_default_broker_is_the_code_stores_redis_through_the_sentinels_when_set():
    assert default_broker_url(None, []) is None
    assert (
        default_broker_url("redis://cache.internal:6379/3", []) == "redis://cache.internal:6379/3"
    )
    assert default_broker_url("redis://cache.internal:6379/3", SENTINELS) == "sentinel:///3"
    assert default_broker_url(None, SENTINELS) == "sentinel:///0"
    assert default_broker_url("redis://:pw@cache.internal/2", SENTINELS) == "sentinel://:pw@/2"
