"""Redis stalls or goes away: the login answers 503 at once, the rest keeps working, and nothing
queued is lost once it is back."""

import time

import pytest

from drills.conftest import VISIBILITY_TIMEOUT
from drills.helpers import deliveries, lost_and_twice

pytestmark = pytest.mark.drill


def test_sms_on_their_way_when_redis_stalls_for_4_s_are_all_delivered(redis, api, drill_report):
    phones = [f"+7923100{n:04d}" for n in range(10)]
    accepted = sum(api.send_code(phone).status == 202 for phone in phones)
    time.sleep(0.5)  # the worker took them; they wait at the gateway (1-2 s) for the inbox
    redis.pause()  # SIGSTOP: connections stay open, nothing answers (a stalled host)
    time.sleep(4)
    redis.resume()
    counts = deliveries(api, phones, expect=len(phones), seconds=2 * VISIBILITY_TIMEOUT + 30)
    lost, twice = lost_and_twice(counts)

    drill_report.add(
        "Redis stalled (SIGSTOP) for 4 s while 10 SMS were at the gateway",
        f"{accepted} accepted, {len(phones) - lost} delivered, {twice} twice",
        lost,
    )
    assert accepted == len(phones)
    assert lost == 0


def test_while_redis_is_stopped_the_login_is_503_and_the_rest_works(
    redis, api, user, inviter, drill_report
):
    pending = "+79230000001"
    api.send_code(pending)  # its SMS is on its way through the gateway when Redis stops
    time.sleep(0.5)
    redis.stop()
    token = user["access"]
    while_down = {
        "send-code": api.send_code("+79230000002"),
        "verify-code": api.verify_code("+79230000003", "1234"),
        "profile": api.get("/api/v1/profile/", token=token),
        "invite": api.post(
            "/api/v1/profile/invite/",
            {"invite_code": inviter["profile"]["invite_code"]},
            token=token,
        ),
        "readyz": api.get("/readyz"),
    }
    redis.start()
    time.sleep(1)
    after = api.send_code("+79230000004").status
    # Taken by the worker before the outage: retried, or back after the visibility timeout.
    delivered = deliveries(api, [pending], expect=1, seconds=2 * VISIBILITY_TIMEOUT + 20)
    pending_delivered = bool(delivered[pending])

    answers = ", ".join(
        f"{name} {answer.status} {answer.code or ''} in {answer.seconds:.3f} s".replace("  ", " ")
        for name, answer in while_down.items()
    )
    drill_report.add(
        "Redis stopped, then started",
        f"while down: {answers}; after: send-code {after}; the SMS on its way when Redis "
        f"stopped was delivered: {'yes' if pending_delivered else 'no'}",
        0 if pending_delivered else 1,
    )
    for name in ("send-code", "verify-code"):
        assert (while_down[name].status, while_down[name].code) == (503, "service_unavailable")
        assert while_down[name].seconds < 2
    assert while_down["profile"].status == while_down["invite"].status == 200
    assert while_down["readyz"].status == 503
    assert after == 202
    assert pending_delivered
