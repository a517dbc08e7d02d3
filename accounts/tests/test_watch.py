"""The conversion watch: a range sent many codes that nobody types in is blocked for a while.

The grace period (codes younger than it are not counted yet) is set to 0 here, so that the
codes of the test count at once; the window and the thresholds are the test's.
"""

import logging

import pytest
from django.utils import timezone

from accounts.tests.calls import send, verify
from sms.blocks import blocked_ranges_lift, blocked_ranges_make_permanent
from sms.models import BlockedRange

pytestmark = pytest.mark.django_db


@pytest.fixture
def watch(settings):
    settings.SMS_WATCH_GRACE_SECONDS = 0
    settings.SMS_WATCH_MIN_SENDS = 5
    return settings


def test_an_unconverted_range_is_blocked_and_a_converted_one_stays_open(
    api, new_range, draw_codes, watch, caplog
):
    pumped, real = new_range(), new_range()
    draw_codes(*["4321"] * 20)
    for n in range(5):
        assert send(api, pumped(n)).status_code == 202  # nobody types these in
        assert send(api, real(n)).status_code == 202
    assert verify(api, real(0), "4321").status_code == 200  # 1 of 5: the minimum, 20 %

    with caplog.at_level(logging.WARNING, logger="sms.services"):
        response = send(api, pumped(5))
    assert response.status_code == 403
    assert response.json()["code"] == "sms_blocked"
    assert 3590 <= response.json()["retry_after"] <= 3600
    assert send(api, real(5)).status_code == 202

    [record] = [r for r in caplog.records if "conversion watch" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert pumped(0)[:9] in record.getMessage()
    [listed] = BlockedRange.objects.all()
    assert listed.prefix == pumped(0)[:9]
    assert listed.reason == BlockedRange.Reason.WATCH
    assert 3590 <= (listed.until - timezone.now()).total_seconds() <= 3600
    # And the block holds for every number of the range, without another row.
    assert send(api, pumped(999)).json()["code"] == "sms_blocked"
    assert BlockedRange.objects.count() == 1


def test_the_watch_blocks_at_the_defaults_once_20_codes_convert_under_20_percent(
    api, new_range, draw_codes, settings
):
    settings.SMS_WATCH_GRACE_SECONDS = 0  # the default (300) would have the test wait 5 min
    numbers = new_range()
    draw_codes(*["4321"] * 21)
    for n in range(20):
        assert send(api, numbers(n)).status_code == 202
    for n in range(3):  # 3 of 20: 15 %
        assert verify(api, numbers(n), "4321").status_code == 200
    assert send(api, numbers(20)).json()["code"] == "sms_blocked"


def test_four_of_twenty_converted_is_enough(api, new_range, draw_codes, settings):
    settings.SMS_WATCH_GRACE_SECONDS = 0
    numbers = new_range()
    draw_codes(*["4321"] * 21)
    for n in range(20):
        send(api, numbers(n))
    for n in range(4):  # 20 %
        assert verify(api, numbers(n), "4321").status_code == 200
    assert send(api, numbers(20)).status_code == 202


def test_codes_younger_than_the_grace_period_are_not_counted(api, new_range, settings):
    settings.SMS_WATCH_MIN_SENDS = 5  # the grace period stays at its default, 300 s
    numbers = new_range()
    for n in range(10):
        assert send(api, numbers(n)).status_code == 202


def test_codes_older_than_the_window_are_not_counted(api, new_range, watch):
    import time

    watch.SMS_WATCH_WINDOW_SECONDS = 1
    numbers = new_range()
    for n in range(5):
        send(api, numbers(n))
    time.sleep(1.1)
    assert send(api, numbers(5)).status_code == 202


def test_a_test_number_counts_in_no_watch(api, watch):
    watch.OTP_TEST_NUMBERS = ",".join(f"+7999000010{n}:1234" for n in range(6))
    for n in range(6):
        assert send(api, f"+7999000010{n}").status_code == 202


def test_a_lifted_watch_block_lets_codes_through_at_once(
    api, new_range, watch, django_capture_on_commit_callbacks
):
    numbers = new_range()
    for n in range(5):
        send(api, numbers(n))
    assert send(api, numbers(5)).json()["code"] == "sms_blocked"
    with django_capture_on_commit_callbacks(execute=True):
        blocked_ranges_lift(prefixes=[numbers(0)[:9]])
    assert not BlockedRange.objects.exists()
    assert send(api, numbers(5)).status_code == 202  # its evidence went with the block


def test_a_watch_block_made_permanent_has_no_end(
    api, new_range, watch, django_capture_on_commit_callbacks
):
    from django_redis import get_redis_connection

    numbers = new_range()
    for n in range(5):
        send(api, numbers(n))
    send(api, numbers(5))
    with django_capture_on_commit_callbacks(execute=True):
        blocked_ranges_make_permanent(prefixes=[numbers(0)[:9]])
    assert BlockedRange.objects.get().until is None
    response = send(api, numbers(6))
    assert response.json()["code"] == "sms_blocked"
    assert "retry_after" not in response.json()
    get_redis_connection("default").flushdb()  # and it outlives Redis's memory
    assert send(api, numbers(6)).json()["code"] == "sms_blocked"


def test_a_watch_block_outlives_a_redis_restart_until_it_ends(api, new_range, watch):
    from django_redis import get_redis_connection

    numbers = new_range()
    for n in range(5):
        send(api, numbers(n))
    send(api, numbers(5))
    get_redis_connection("default").flushdb()
    response = send(api, numbers(6))
    assert response.json()["code"] == "sms_blocked"
    assert 3580 <= response.json()["retry_after"] <= 3600


def test_the_watchs_block_holds_while_the_database_cannot_list_it(
    api, new_range, watch, monkeypatch
):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("accounts.services.blocked_range_watch_record", down)
    numbers = new_range()
    for n in range(5):
        send(api, numbers(n))
    assert send(api, numbers(5)).json()["code"] == "sms_blocked"
    assert send(api, numbers(6)).json()["code"] == "sms_blocked"
