"""PostgreSQL goes away under load: 503 JSON while it is down, never a 500, and back at once."""

import threading
import time
from collections import Counter

import pytest

pytestmark = pytest.mark.drill


def statuses(counts: Counter) -> str:
    return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))


def test_postgresql_stopped_for_5_s_under_load(postgres, api, user, drill_report):
    phases = {"before": Counter(), "down": Counter(), "after": Counter()}
    phase = "before"
    done = threading.Event()
    recovered_at: list[float] = []

    def load() -> None:
        while not done.is_set():
            try:
                status = api.get("/api/v1/profile/", token=user["access"]).status
            except OSError:
                status = 0  # no answer at all
            phases[phase][status] += 1
            if phase == "after" and status == 200 and not recovered_at:
                recovered_at.append(time.monotonic())

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    phase = "down"
    postgres.stop()
    time.sleep(5)
    postgres.start()
    restarted_at = time.monotonic()
    phase = "after"
    time.sleep(5)
    done.set()
    for thread in threads:
        thread.join()

    back = round(recovered_at[0] - restarted_at, 2) if recovered_at else None
    drill_report.add(
        "PostgreSQL stopped for 5 s under load (profile)",
        f"before: {statuses(phases['before'])}; down: {statuses(phases['down'])}; "
        f"after: {statuses(phases['after'])}; back {back} s after the restart",
        0,
    )
    assert set(phases["down"]) <= {200, 503}  # never a 500, never a dropped connection
    assert back is not None
