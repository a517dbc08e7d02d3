"""kombu's Redis transports (plain and Sentinel), surviving a lost connection, and with one
client per channel.

With Celery and kombu 5.7.0, after the worker loses Redis it empties the broken connection,
then still uses it (to put unacknowledged messages back, or to reject a message that failed
during the outage). kombu then fails with an AttributeError while building a connection pool
from the emptied connection, which Celery does not expect and which stops the worker for
good. Raised as a ConnectionError instead, it is handled like any other lost connection:
logged, and the worker reconnects. The messages are safe either way: unacknowledged in Redis,
they go back to the queue after the visibility timeout. drills/test_redis.py (the Redis drill)
shows the worker carrying on after Redis comes back.

kombu's Sentinel channel builds its pool the same way (from the same connection parameters),
so it has the same flaw when the master dies under it, and gets the same fix. With kombu's own
Sentinel transport a worker that had SMS under way when the master was killed stopped with
that AttributeError, and no SMS went out after the failover; with this one it carries on
(project/tests/test_sentinel.py and the Sentinel drill, drills/test_sentinel.py, kill the
master under it).

kombu also builds a new redis client object for every message it publishes; with redis-py 8
that costs more than the LPUSH it sends. A client is only a handle on the connection pool,
so each channel keeps one (a new one when the pool is replaced after a lost connection).
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class SurvivingChannel:
    """What both channels below add to kombu's."""

    _sync_client = None

    def _create_client(self, asynchronous: bool = False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        if self._sync_client is None or self._sync_client.connection_pool is not pool:
            self._sync_client = super()._create_client()
        return self._sync_client

    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was lost and has been released")
        return super()._connparams(asynchronous=asynchronous)


class Channel(SurvivingChannel, redis.Channel):
    pass


class Transport(redis.Transport):
    Channel = Channel


class SentinelChannel(SurvivingChannel, redis.SentinelChannel):
    pass


class SentinelTransport(redis.SentinelTransport):
    Channel = SentinelChannel
