"""Redis goes away: the login answers 503 at once, the rest keeps working, and nothing queued
is lost once it is back."""

import time

import pytest

from drills.conftest import VISIBILITY_TIMEOUT
from drills.test_worker import deliveries

pytestmark = pytest.mark.drill


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
