"""Django's PostgreSQL backend (psycopg2), with every wait for the server bounded.

A server that hangs (SIGSTOP, a frozen VM, a stuck disk) keeps its connections open: the
kernel still completes TCP handshakes and acknowledges what is sent, so TCP keepalives and
tcp_user_timeout never fire, and statement_timeout cannot fire on a server that does not run.
libpq then waits for an answer for as long as the process lives: every gunicorn worker hung
until gunicorn killed it (30 s). The bound has to be on the client.

psycopg2's documented hook for coroutine libraries, `extensions.set_wait_callback()`, makes
libpq non-blocking and hands every wait (connecting, sending a query, reading its answer) to a
Python function: `wait()` below, which gives each wait a deadline. When it passes, the
callback raises QueryCanceledError (an OperationalError: the API answers 503) and psycopg2
closes the connection, whose state is unknown; Django opens a new one on the next query.

OPTIONS["query_timeout"] (seconds, DATABASE_QUERY_TIMEOUT_SECONDS) sets both bounds:
PostgreSQL's own statement_timeout, which cancels a slow query and keeps the connection, and
one second later the client's, for a server that does not answer at all. Connecting is bounded
by connect_timeout, which libpq no longer enforces itself once a wait callback is set.
OPTIONS["statement_timeout_on_connect"] False leaves the first out of the connection's startup
options: PgBouncer refuses them (DATABASE_POOLER=pgbouncer), and the role or database carries
the statement_timeout there instead.

OPTIONS["idle_connections"] (DATABASE_IDLE_CONNECTIONS) keeps up to that many connections that
threads closed for the next thread of the process to connect (idle.py), each for at most
CONN_MAX_AGE seconds; 0 closes them, as Django does.
"""

import select
import threading
import time
from contextlib import contextmanager
from functools import cache

from django.db import connections, transaction
from django.db.backends.postgresql import base
from psycopg2 import extensions

from project.postgresql.idle import IdleConnections

# The server gets the first chance to cancel a slow query (and keep the connection).
CLIENT_GRACE_SECONDS = 1.0
# A connection in any other state is still being made (psycopg2 also has internal
# "connecting" states, 20 and 21, besides STATUS_SETUP).
CONNECTED = frozenset(
    {extensions.STATUS_READY, extensions.STATUS_BEGIN, extensions.STATUS_PREPARED}
)


class BoundedConnection(extensions.connection):
    """A psycopg2 connection that carries the bounds `wait()` applies to it."""

    connect_seconds: float | None = None
    query_seconds: float | None = None


@cache
def bounded_connection(connect_seconds: float | None, query_seconds: float) -> type:
    """The connection class for these bounds (class attributes: `wait()` needs them while the
    connection is still being made)."""
    return type(
        "BoundedConnection",
        (BoundedConnection,),
        {"connect_seconds": connect_seconds, "query_seconds": query_seconds},
    )


@contextmanager
def unbounded_transaction(using: str = "default"):
    """A transaction whose statements, COMMIT included, neither bound ends: bulk work that no
    one waits on in a request (seeding a million referrals, whose deferred foreign-key checks
    all run at COMMIT, takes longer than DATABASE_QUERY_TIMEOUT_SECONDS). The server's bound
    is lifted with SET LOCAL, which ends with the transaction (neither an idle connection nor
    PgBouncer carries it on); the client's for this connection until the transaction ends."""
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    lifted = isinstance(raw, BoundedConnection)
    if lifted:
        raw.query_seconds = None  # over its class's bound, for this connection only
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = 0")
            yield
    finally:
        if lifted:
            del raw.query_seconds


def wait(conn, cursor=None) -> None:
    """psycopg2's wait callback: psycopg2.extras.wait_select, with a deadline.

    Called twice per query (the query sent, its answer read); most calls end at the first
    poll(), so the per-query cost is a few C calls and one poll of the socket.
    """
    state = conn.poll()
    if state == extensions.POLL_OK:
        return
    if conn.status in CONNECTED:
        seconds = getattr(conn, "query_seconds", None)
    else:
        seconds = getattr(conn, "connect_seconds", None) or getattr(conn, "query_seconds", None)
    deadline = time.monotonic() + seconds if seconds else None
    poller = select.poll()  # not select(): a descriptor above 1023 is fine
    fd = conn.fileno()
    while True:
        if state == extensions.POLL_READ:
            poller.register(fd, select.POLLIN)
        elif state == extensions.POLL_WRITE:
            poller.register(fd, select.POLLOUT)
        else:
            raise extensions.OperationalError(f"bad state from poll: {state}")
        if deadline is None:
            poller.poll()
        else:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise extensions.QueryCanceledError(
                    f"PostgreSQL did not answer within {seconds:g} s (client-side bound)"
                )
        state = conn.poll()
        if state == extensions.POLL_OK:
            return


# Per database alias and server database: every thread's wrapper of one database shares its
# idle connections (and a test run that moves the alias to the test database gets others).
_idle: dict[tuple, IdleConnections] = {}
_idle_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _opened: float = 0.0  # when this wrapper's connection was opened (time.monotonic())

    @property
    def idle_connections(self) -> IdleConnections | None:
        size = self.settings_dict["OPTIONS"].get("idle_connections", 0)
        max_age = self.settings_dict["CONN_MAX_AGE"]
        if not size or max_age == 0:
            return None
        server = tuple(self.settings_dict.get(key) for key in ("HOST", "PORT", "NAME", "USER"))
        with _idle_lock:
            if (self.alias, server) not in _idle:
                _idle[self.alias, server] = IdleConnections(size, max_age)
            return _idle[self.alias, server]

    def close_pool(self) -> None:
        """Close every idle connection of the process, whichever database it is to: Django
        calls this before it drops or copies a test database, which no connection may be open
        to, and by then this wrapper may name another database."""
        super().close_pool()
        with _idle_lock:
            pools = list(_idle.values())
        for pool in pools:
            pool.close_all()

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        params.pop("idle_connections", None)
        query_seconds = params.pop("query_timeout", None)
        on_connect = params.pop("statement_timeout_on_connect", True)
        if query_seconds and on_connect:
            statement_timeout = f"-c statement_timeout={round(query_seconds * 1000)}"
            params["options"] = f"{params.get('options', '')} {statement_timeout}".strip()
        if query_seconds:
            connect_seconds = float(params.get("connect_timeout") or 0) or None
            params["connection_factory"] = bounded_connection(
                connect_seconds, query_seconds + CLIENT_GRACE_SECONDS
            )
        return params

    def get_new_connection(self, conn_params: dict):
        if "connection_factory" in conn_params and extensions.get_wait_callback() is None:
            # Process-wide in psycopg2: every connection of this process waits through it.
            extensions.set_wait_callback(wait)
        idle = self.idle_connections
        reused = idle.take() if idle is not None else None
        if reused is not None:
            self._opened, self.isolation_level = reused.opened, reused.isolation_level
            return reused.connection
        connection = super().get_new_connection(conn_params)
        self._opened = time.monotonic()
        return connection

    def _close(self) -> None:
        idle = self.idle_connections
        if (
            idle is not None
            and self.connection is not None
            and idle.give(self.connection, self._opened, self.isolation_level)
        ):
            return
        super()._close()
