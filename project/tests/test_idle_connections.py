"""Connections that threads close wait for the next thread of the process (project/postgresql/
idle.py), on the real PostgreSQL: each wrapper here stands for one thread's connection."""

import gc
import os
import time

import pytest
from django.db import connections

from project.postgresql import idle
from project.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrapper():
    """A function that returns a new thread's connection to the test database, with up to 2
    idle connections kept; they are all closed afterwards."""
    settings = connections["default"].settings_dict
    made = []

    def make(**changes) -> DatabaseWrapper:
        options = {**settings["OPTIONS"], "idle_connections": 2}
        made.append(DatabaseWrapper({**settings, "OPTIONS": options, **changes}, alias="idle"))
        return made[-1]

    yield make
    for each in made:
        each.close()
    made[0].close_pool()


def backend(connection: DatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def alive(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


def gone(pid: int) -> bool:
    """Whether the backend `pid` ended (a closed connection's backend exits a moment later)."""
    deadline = time.monotonic() + 5
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_closed_connection_is_the_next_threads(wrapper):
    first = wrapper()
    pid = backend(first)
    first.close()
    assert first.connection is None
    assert alive(pid)
    assert backend(wrapper()) == pid


def test_no_more_than_the_size_wait(wrapper):
    threads = [wrapper() for _ in range(3)]
    pids = {backend(thread) for thread in threads}
    for thread in threads:
        thread.close()
    assert sum(not gone(pid) for pid in pids) == 2
    again = {backend(wrapper()) for _ in range(3)}
    assert len(again & pids) == 2


def test_a_connection_closed_in_a_transaction_is_closed(wrapper):
    first = wrapper()
    pid = backend(first)
    first.connection.cursor().execute("BEGIN")
    first.close()
    assert gone(pid)
    assert backend(wrapper()) != pid


def test_an_idle_connection_the_server_ended_is_replaced(wrapper):
    first = wrapper()
    pid = backend(first)
    first.close()
    with connections["default"].cursor() as cursor:
        # With a timeout, it returns once the backend has exited (PostgreSQL 14 and later).
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    assert backend(wrapper()) != pid  # and the query worked


def test_an_idle_connection_older_than_conn_max_age_is_closed(wrapper, monkeypatch):
    first = wrapper(CONN_MAX_AGE=60)
    pid = backend(first)
    first.close()
    now = idle.time.monotonic()
    monkeypatch.setattr(idle.time, "monotonic", lambda: now + 61)
    assert backend(wrapper(CONN_MAX_AGE=60)) != pid
    assert gone(pid)


def test_with_conn_max_age_0_or_no_size_nothing_waits(wrapper):
    for changes in [{"CONN_MAX_AGE": 0}, {"OPTIONS": {"idle_connections": 0}}]:
        first = wrapper(**changes)
        pid = backend(first)
        first.close()
        assert gone(pid)


def test_a_forked_process_leaves_its_parents_idle_connections_alone(wrapper):
    first = wrapper()
    pid = backend(first)
    first.close()
    child = os.fork()
    if child == 0:  # the child: no connection of the parent's, and none freed (closed) either
        try:
            taken = first.idle_connections.take()
            gc.collect()
            os._exit(0 if taken is None else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert backend(wrapper()) == pid  # still the parent's, and it answers


def test_close_pool_closes_the_idle_connections(wrapper):
    first = wrapper()
    pid = backend(first)
    first.close()
    first.close_pool()
    assert gone(pid)
