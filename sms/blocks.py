"""The blocked ranges no SMS goes to: the operators' and the conversion watch's, mirrored into
Redis for the send-code script."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_redis import get_redis_connection

from sms.models import BlockedRange
from sms.ranges import BLOCKS_KEY, BLOCKS_LOADED, watch_block_key

logger = logging.getLogger(__name__)

# Serialises the mirror's rebuilds (pg_advisory_xact_lock): each reads the table and writes
# Redis inside the lock, so the last one to write has read the last committed change.
_SYNC_LOCK = 0x534D53_424C4B  # "SMS" "BLK"


def blocked_ranges_sync() -> int:
    """Mirror the blocks in force into Redis (BLOCKS_KEY), replacing the mirror whole.

    Send-code reads the mirror inside its one Redis script, never the database. It is built
    again when it is missing (a Redis restart: the script says so) and after every change an
    operator makes. Returns how many blocks are in force.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SYNC_LOCK])
        blocks = {
            block.prefix: 0 if block.until is None else int(block.until.timestamp() * 1000)
            for block in BlockedRange.objects.in_force()
        }
        with get_redis_connection("default").pipeline(transaction=True) as mirror:
            mirror.delete(BLOCKS_KEY)
            mirror.hset(BLOCKS_KEY, mapping={BLOCKS_LOADED: 1, **blocks})
            mirror.execute()
    return len(blocks)


def blocked_ranges_changed(*, prefixes: Iterable[str]) -> None:
    """After operators changed the blocks of `prefixes`: the table is the truth from now on.

    A block the watch set also lives in a key of its own (it ends by itself); lifting or
    changing the range's row ends that one too.
    """
    keys = [watch_block_key(prefix) for prefix in set(prefixes)]
    if keys:
        get_redis_connection("default").delete(*keys)
    blocked_ranges_sync()


def blocked_ranges_lift(*, prefixes: Iterable[str]) -> int:
    """Lift the blocks of these prefixes (whoever set them); codes go there again at once."""
    prefixes = list(prefixes)
    with transaction.atomic():
        lifted, _ = BlockedRange.objects.filter(prefix__in=prefixes).delete()
        transaction.on_commit(lambda: blocked_ranges_changed(prefixes=prefixes))
    return lifted


def blocked_ranges_make_permanent(*, prefixes: Iterable[str]) -> int:
    """Make these blocks (e.g. the watch's, which end by themselves) last until lifted."""
    prefixes = list(prefixes)
    with transaction.atomic():
        changed = BlockedRange.objects.filter(prefix__in=prefixes).update(until=None)
        transaction.on_commit(lambda: blocked_ranges_changed(prefixes=prefixes))
    return changed


def blocked_range_watch_record(
    *, prefix: str, seconds: int, sent: int, verified: int
) -> BlockedRange:
    """The conversion watch blocked `prefix` (in Redis, already in force): list it for the
    operators, who may lift it or make it permanent, and say so in the log."""
    logger.warning(
        "sms range %s blocked for %s s by the conversion watch: %s codes sent, %s verified",
        prefix,
        seconds,
        sent,
        verified,
        extra={"prefix": prefix, "sent": sent, "verified": verified},
    )
    block, _created = BlockedRange.objects.update_or_create(
        prefix=prefix,
        defaults={
            "reason": BlockedRange.Reason.WATCH,
            "until": timezone.now() + timedelta(seconds=seconds),
            "note": f"{sent} codes sent, {verified} verified",
        },
    )
    return block
