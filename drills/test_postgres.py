"""PostgreSQL goes away or hangs under load: 503 JSON within seconds, never a 500 or a killed
worker, and back at once."""

import threading
import time
from collections import Counter

import pytest

from drills.conftest import CONNECT_TIMEOUT, QUERY_TIMEOUT

pytestmark = pytest.mark.drill

# The longest a request may take while PostgreSQL hangs: Django's health check of a kept
# connection (a query: the bound plus the client's second of grace), then one connection
# attempt; plus a margin for a loaded machine.
HANG_BOUND = QUERY_TIMEOUT + 1 + CONNECT_TIMEOUT + 1.5


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


def test_while_postgresql_hangs_the_api_answers_503_within_seconds(
    postgres, stack, api, user, drill_report
):
    """SIGSTOPped, the cluster keeps its connections and the kernel keeps acknowledging: only
    the client's own bound (project/postgresql) can end a wait, before gunicorn's 30 s
    timeout kills the worker."""
    profile = lambda: api.get("/api/v1/profile/", token=user["access"])  # noqa: E731
    warm = [profile().status for _ in range(4)]  # both workers hold a connection
    postgres.pause()
    try:
        hung = [profile() for _ in range(3)]
    finally:
        postgres.resume()
    after = [profile().status for _ in range(4)]
    log = stack.web_process.log.read_text()
    killed = log.count("WORKER TIMEOUT")

    slowest = max(answer.seconds for answer in hung)
    drill_report.add(
        "PostgreSQL hung (SIGSTOP) under the profile",
        f"before: {warm.count(200)} x 200; while hung: "
        f"{sum(answer.code == 'service_unavailable' for answer in hung)} x 503 "
        f"service_unavailable, the slowest in {slowest:.1f} s; after SIGCONT: "
        f"{after.count(200)} x 200; web workers killed: {killed}",
        0,
    )
    assert warm == after == [200] * 4
    assert [(answer.status, answer.code) for answer in hung] == [
        (503, "service_unavailable")
    ] * 3, hung
    assert slowest < HANG_BOUND
    assert killed == 0
