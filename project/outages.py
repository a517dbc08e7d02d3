"""The exceptions that mean a backing service (PostgreSQL, Redis, the broker) is down or slow."""

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django_redis.exceptions import ConnectionInterrupted

INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionInterrupted,
    kombu.exceptions.OperationalError,
)
