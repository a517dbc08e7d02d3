"""What the drills share: counting the SMS that arrived, and killing a worker mid-deliveries."""

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness import Api, Stack

# Long enough for a duplicate delivery (the simulated gateway takes 1-2 s) to land too.
DUPLICATE_WAIT = 2.5


def deliveries(
    api: Api, phones: list[str], *, expect: int, seconds: float, interval: float = 0.5
) -> Counter:
    """SMS in each phone's inbox, once `expect` phones have one (or time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        counts = Counter({phone: len(api.inbox(phone)) for phone in phones})
        if sum(1 for n in counts.values() if n) >= expect or time.monotonic() > deadline:
            return counts
        time.sleep(interval)


def lost_and_twice(counts: Counter) -> tuple[int, int]:
    return (
        sum(1 for n in counts.values() if n == 0),
        sum(n - 1 for n in counts.values() if n > 1),
    )


@dataclass(frozen=True)
class Killed:
    accepted: int  # codes answered 202
    delivered_before: int  # phones that had their SMS before the kill
    counts: Counter  # the SMS per phone in the end
    seconds: float | None  # from the kill until every phone had one (None: not within 60 s)


def kill_worker_mid_deliveries(
    stack: Stack, api: Api, phones: list[str], *, restart_after: float
) -> Killed:
    """Send a code to every phone, SIGKILL the stack's worker as the first SMS arrive (the rest
    are at the gateway, 1-2 s each, or still queued, or not sent yet), start a new one
    `restart_after` seconds later, and wait for every SMS."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = pool.map(api.send_code, phones)
        # Killed as the first SMS arrive, watched on the first ten phones (reading every inbox
        # takes a while, and the rest would be delivered meanwhile), while codes may still be
        # being sent: those wait in the queue for the next worker.
        deliveries(api, phones[:10], expect=1, seconds=30, interval=0.05)
        stack.worker_process.executor.kill(sig=signal.SIGKILL)
        killed_at = time.monotonic()
        accepted = sum(answer.status == 202 for answer in answers)
    before = deliveries(api, phones, expect=0, seconds=0)  # the dead worker sends no more
    time.sleep(max(0.0, killed_at + restart_after - time.monotonic()))
    stack.worker_process.start()
    arrived = deliveries(api, phones, expect=len(phones), seconds=60)
    all_in = time.monotonic() - killed_at if all(arrived.values()) else None
    time.sleep(DUPLICATE_WAIT)
    final = deliveries(api, phones, expect=0, seconds=0)
    return Killed(accepted, sum(1 for n in before.values() if n), final, all_in)


def after_the_kill(seconds: float | None) -> str:
    return f"all {seconds:.0f} s after the kill" if seconds is not None else "not all in 60 s"
