"""PostgreSQL connections a thread closed, kept for the next thread of the same process.

Django keeps one connection per thread. The worker delivers SMS from hundreds of threads, and
each writes one row of the message log and then closes its connection (sms/tasks.py): kept,
they would take hundreds of PostgreSQL's connections (100 by default); opened anew for every
SMS, each costs the server a backend process (a fork, the authentication, cold caches) and the
worker a connection's setup. So a closed connection waits here, up to `size` of them, for the
next thread that connects; Django's own pool does the same with psycopg 3 only.

Handing a connection to another thread is safe because the service leaves no state on a
connection beyond a transaction: it runs behind PgBouncer in transaction pooling, which hands
server connections around the same way (docs/scaling.md).

A connection comes back only when it is open and outside a transaction. One taken out is
checked without a round trip: a connection the server ended meanwhile (a restart,
pg_terminate_backend, an idle timeout) has its last words waiting to be read, the FATAL error
and the end of the stream, where a healthy idle one has nothing; a dead one is closed and the
next one tried (the check go-sql-driver/mysql makes of its pool's connections). It used to be a
`SELECT 1`: a round trip and a statement per SMS. One older than `max_age` seconds is closed
instead of reused. The idle connections belong to the process that opened them: after a fork
they are left alone.
"""

import os
import select
import threading
import time
from dataclasses import dataclass

from psycopg2 import Error, extensions


@dataclass
class Idle:
    connection: extensions.connection
    opened: float  # time.monotonic() when it was opened
    isolation_level: object  # what Django's wrapper noted when it opened it


class IdleConnections:
    def __init__(self, size: int, max_age: float | None) -> None:
        self.size, self.max_age = size, max_age
        self._lock = threading.Lock()
        self._idle: list[Idle] = []
        self._pid = os.getpid()

    def _mine(self) -> list[Idle]:
        """The idle list; after a fork, a new one. The parent's connections are dropped, not
        closed: psycopg2 leaves a connection another process made alone when it frees it
        (project/tests/test_idle_connections.py forks to check that the parent's still answers)."""
        if self._pid != os.getpid():
            self._idle, self._pid = [], os.getpid()
        return self._idle

    def take(self) -> Idle | None:
        """The most recently closed connection that still answers, or None."""
        while True:
            with self._lock:
                idle = self._mine()
                if not idle:
                    return None
                taken = idle.pop()
            if self._usable(taken):
                return taken
            taken.connection.close()

    def give(self, connection: extensions.connection, opened: float, isolation_level) -> bool:
        """Keep `connection` for the next thread; False when it is not to be kept (the
        caller closes it)."""
        if connection.closed or self._too_old(opened):
            return False
        if connection.get_transaction_status() != extensions.TRANSACTION_STATUS_IDLE:
            return False
        with self._lock:
            idle = self._mine()
            if len(idle) >= self.size:
                return False
            idle.append(Idle(connection, opened, isolation_level))
            return True

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._mine(), []
        for kept in idle:
            kept.connection.close()

    def _too_old(self, opened: float) -> bool:
        return self.max_age is not None and time.monotonic() - opened > self.max_age

    def _usable(self, idle: Idle) -> bool:
        if idle.connection.closed or self._too_old(idle.opened):
            return False
        try:
            poller = select.poll()
            poller.register(idle.connection.fileno(), select.POLLIN | select.POLLPRI)
        except Error:
            return False
        # Anything to read on an idle connection (we LISTEN to nothing) is the server's goodbye.
        return not poller.poll(0)
