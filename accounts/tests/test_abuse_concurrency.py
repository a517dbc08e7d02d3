"""Every limit holds exactly under simultaneous requests: each is checked and counted in the
same atomic Redis script as the code it guards. Threads, each a request of its own."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from sms.blocks import blocked_ranges_sync

SEND = "/api/v1/auth/send-code/"
VERIFY = "/api/v1/auth/verify-code/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _mirror():
    """The blocked ranges' mirror is in Redis before the race, as in any running service."""
    blocked_ranges_sync()


def sends(concurrently, phones, address="127.0.0.1") -> Counter:
    def one(phone):
        response = APIClient(REMOTE_ADDR=address).post(SEND, {"phone": phone}, format="json")
        return response.json().get("code", response.status_code)

    return Counter(concurrently(one, phones))


def verifies(concurrently, attempts, address="127.0.0.1") -> Counter:
    def one(attempt):
        phone, code = attempt
        body = {"phone": phone, "code": code}
        response = APIClient(REMOTE_ADDR=address).post(VERIFY, body, format="json")
        return response.json().get("code", response.status_code)

    return Counter(concurrently(one, attempts))


def test_50_simultaneous_codes_to_one_range_never_pass_its_limit(concurrently, new_range, settings):
    settings.OTP_MAX_PER_RANGE = 30
    numbers = new_range()
    assert sends(concurrently, [numbers(n) for n in range(50)]) == {
        202: 30,
        "sms_rate_limited": 20,
    }


def test_simultaneous_codes_never_pass_the_hourly_budget(concurrently, new_range, settings):
    settings.SMS_MAX_PER_HOUR = 10
    phones = [new_range()(1) for _ in range(40)]
    assert sends(concurrently, phones) == {202: 10, "sms_budget_exhausted": 30}


def test_simultaneous_codes_from_one_ip_never_pass_its_rate(concurrently, new_range, settings):
    settings.THROTTLE_SEND_CODE = "20/hour"
    phones = [new_range()(1) for _ in range(40)]
    assert sends(concurrently, phones, address="10.7.0.1") == {202: 20, "throttled": 20}


def test_simultaneous_codes_to_one_phone_send_one(concurrently, phone):
    assert sends(concurrently, [phone] * 20) == {202: 1, "resend_too_soon": 19}


def test_simultaneous_wrong_codes_never_pass_the_daily_cap(
    concurrently, phone, draw_codes, settings
):
    settings.OTP_MAX_ATTEMPTS = 100  # one code: the daily cap on wrong codes is what stops them
    draw_codes("4321")
    APIClient().post(SEND, {"phone": phone}, format="json")
    assert verifies(concurrently, [(phone, f"{n:04d}") for n in range(50)]) == {
        "invalid_code": 15,
        "too_many_attempts": 35,
    }


def test_simultaneous_wrong_codes_from_one_ip_never_pass_its_daily_cap(
    concurrently, new_range, draw_codes
):
    phones = [new_range()(1) for _ in range(40)]
    draw_codes(*["4321"] * 40)
    for phone in phones:
        assert APIClient().post(SEND, {"phone": phone}, format="json").status_code == 202
    attempts = [(phone, "0000") for phone in phones]
    assert verifies(concurrently, attempts, address="10.8.0.1") == {
        "invalid_code": 30,
        "throttled": 10,
    }
