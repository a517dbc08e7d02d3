"""The blocked ranges' mirror in Redis, which send-code's script reads instead of the table."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_redis import get_redis_connection

from sms.blocks import blocked_ranges_sync
from sms.models import BlockedRange
from sms.ranges import BLOCKS_KEY, range_of

pytestmark = pytest.mark.django_db


def test_the_mirror_holds_the_blocks_in_force_and_says_it_was_built():
    until = timezone.now() + timedelta(hours=1)
    BlockedRange.objects.create(prefix="+7902")
    BlockedRange.objects.create(prefix="+7903", until=until)
    BlockedRange.objects.create(prefix="+7904", until=timezone.now() - timedelta(seconds=1))
    assert blocked_ranges_sync() == 2
    assert get_redis_connection("default").hgetall(BLOCKS_KEY) == {
        b"loaded": b"1",
        b"+7902": b"0",
        b"+7903": str(int(until.timestamp() * 1000)).encode(),
    }


def test_with_no_block_the_mirror_still_exists():
    assert blocked_ranges_sync() == 0
    assert get_redis_connection("default").hgetall(BLOCKS_KEY) == {b"loaded": b"1"}


def test_the_mirror_is_replaced_whole():
    BlockedRange.objects.create(prefix="+7902")
    blocked_ranges_sync()
    BlockedRange.objects.all().delete()
    blocked_ranges_sync()
    assert get_redis_connection("default").hgetall(BLOCKS_KEY) == {b"loaded": b"1"}


def test_the_command_builds_the_mirror_for_rows_changed_by_hand():
    BlockedRange.objects.create(prefix="+7902")
    out = StringIO()
    call_command("sms_blocks_sync", stdout=out)
    assert out.getvalue() == "1 blocked ranges in force\n"
    assert get_redis_connection("default").hget(BLOCKS_KEY, "+7902") == b"0"


@pytest.mark.parametrize(
    ("digits", "expected"), [(3, "+79161234"), (4, "+7916123"), (0, "+79161234567")]
)
def test_a_range_is_the_number_but_its_last_digits(digits, expected):
    assert range_of("+79161234567", digits) == expected
