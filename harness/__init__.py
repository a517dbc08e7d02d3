"""What drives a live service, for the tests, `make bench`, `make faults` (the drills) and
`make e2e`: the stack's processes (stack.py), servers of its own (servers.py) and a client with
the one login (client.py)."""

from harness.client import Answer, Api, LoginFailed, code_from_sms
from harness.servers import (
    NginxServer,
    PgBouncer,
    PostgresServer,
    RabbitMQVhost,
    RedisSentinel,
    RedisSentinelGroup,
    RedisServer,
    SilentServer,
    closed_port,
    spare_port,
)
from harness.stack import Process, Stack, database_url, procfile

__all__ = [
    "Answer",
    "Api",
    "LoginFailed",
    "NginxServer",
    "PgBouncer",
    "PostgresServer",
    "Process",
    "RabbitMQVhost",
    "RedisSentinel",
    "RedisSentinelGroup",
    "RedisServer",
    "SilentServer",
    "Stack",
    "closed_port",
    "code_from_sms",
    "database_url",
    "procfile",
    "spare_port",
]
