"""RabbitMQ as the broker: the worker dies mid-deliveries, and the next one delivers every SMS.

RabbitMQ hands a dead consumer's unacknowledged messages to another as soon as its connection
drops: no visibility timeout to wait for, so the new worker starts at once.
"""

import pytest

from drills.helpers import after_the_kill, kill_worker_mid_deliveries, lost_and_twice
from harness import Api

# Longer than pytest's 120 s: a stack starts, then the drill waits for what comes back.
pytestmark = [pytest.mark.drill, pytest.mark.timeout(300)]


def test_codes_in_flight_when_the_worker_is_killed_are_delivered_by_the_next_on_rabbitmq(
    rabbitmq_stack, scale, drill_report
):
    count = scale * 2
    phones = [f"+7926{n:07d}" for n in range(count)]
    killed = kill_worker_mid_deliveries(
        rabbitmq_stack, Api(rabbitmq_stack.web_process.url), phones, restart_after=0
    )
    lost, twice = lost_and_twice(killed.counts)

    drill_report.add(
        f"RabbitMQ broker (quorum queue): worker killed (SIGKILL) after "
        f"{killed.delivered_before} of {count} deliveries, a new one started right after",
        f"{count - lost} delivered ({after_the_kill(killed.seconds)}), {twice} twice",
        lost,
    )
    assert killed.accepted == count
    # RabbitMQ hands a message over and records it as unacknowledged in one step: none lost.
    assert lost == 0
