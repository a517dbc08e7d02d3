"""kombu's Redis transport, with a lost broker connection reported as the connection error it is.

With Celery and kombu 5.7.0, after the worker loses Redis it empties the broken connection,
then still uses it (to put unacknowledged messages back, or to reject a message that failed
during the outage). kombu then fails with an AttributeError while building a connection pool
from the emptied connection, which Celery does not expect and which stops the worker for
good. Raised as a ConnectionError instead, it is handled like any other lost connection:
logged, and the worker reconnects. The messages are safe either way: unacknowledged in Redis,
they go back to the queue after the visibility timeout. bench/faults.py (the Redis drill)
shows the worker carrying on after Redis comes back.
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was lost and has been released")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
