"""Number ranges and the Redis keys that block them: what the send-code script reads.

A range is what a number shares with its neighbours: all of its E.164 digits but the last
few (OTP_RANGE_DIGITS). SMS pumping buys numbers in blocks from the operators that pay out
per message, so a range is where it shows: many codes sent, hardly any typed in.
"""

# A hash, prefix -> when its block ends (ms since the epoch; 0: permanent): the database's
# blocks in force (sms.models.BlockedRange), mirrored whole. Its LOADED field tells a mirror
# with no blocks from one that is gone (Redis restarted): then it is built again.
BLOCKS_KEY = "sms:blocks"
BLOCKS_LOADED = "loaded"


def range_of(phone: str, digits: int) -> str:
    """`+79161234567` with 3 digits -> `+79161234`: the prefix the watch and the limit count."""
    return phone[:-digits] if digits > 0 else phone


def watch_block_key(prefix: str) -> str:
    """A block that the conversion watch set on a range; it ends with its own TTL."""
    return f"sms:watch:block:{prefix}"


def range_sends_key(prefix: str) -> str:
    """Sorted set: the codes sent to a range (send id, scored by time)."""
    return f"sms:range:{prefix}:sent"


def range_verified_key(prefix: str) -> str:
    """Sorted set: of those, the codes that were typed in (scored by when they were sent)."""
    return f"sms:range:{prefix}:verified"
