"""Fixtures of the login tests: number ranges of their own, and time passing for a cooldown."""

import itertools

import pytest
from django_redis import get_redis_connection

from accounts.otp import _phone_keys, otp_config

_ranges = itertools.count(1)


@pytest.fixture
def new_range():
    """A function that returns a number range no other test uses, as a function of n (0-999)
    that gives the range's n-th number: `+7921RRRRnnn`, Russian mobiles, range `+7921RRRR`."""

    def make():
        prefix = f"+7921{next(_ranges):04d}"
        return lambda n: f"{prefix}{n:03d}"

    return make


@pytest.fixture
def cooldown_over():
    """A function that ends a phone's resend cooldown now, as if its time had passed (the
    cooldowns at their defaults last minutes)."""

    def end(phone: str) -> None:
        cooldown = _phone_keys(phone, otp_config().phone_key)[2]
        assert get_redis_connection("default").delete(cooldown) == 1

    return end
