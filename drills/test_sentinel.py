"""Redis behind Sentinel: the master is killed under login load, and a replica takes over.

A master, a replica and three sentinels of the drill's own (down-after 1 s, failover timeout
3 s); a stack whose code store, cache and throttles find the master through the sentinels
(REDIS_SENTINELS) and whose broker is `sentinel://`. Threads log in with fresh phones, as
people would, through the whole drill. The drill measures how long logins failed, and what
was lost: replication to the replica is asynchronous, so what the master took in its last
moments may not have reached it.

- codes: a login whose code had been sent, and whose verify then found no code;
- counters: a phone sent a code before the kill that can be sent another at once afterwards
  (its cooldown, 60 s, and its place in the hourly cap were lost);
- SMS: a code accepted (202) whose SMS never arrived; the message log (PostgreSQL) tells an SMS
  that was sent but whose dev-inbox entry was lost from one whose task was lost.
"""

import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg2
import pytest

from drills.conftest import STACK_ENV, live_stack
from harness import Api, LoginFailed, RedisSentinelGroup

# Longer than pytest's 120 s: a stack starts, then the drill waits for what comes back.
pytestmark = [pytest.mark.drill, pytest.mark.timeout(300)]

SMS_TIMEOUT = 30  # the visibility timeout (10 s) and the restore interval (10 s), and some


@dataclass
class Login:
    phone: str
    started: float  # when this person arrived
    ended: float
    outcome: str  # "ok", "<step> <status> <code>", "no SMS" or "no answer"
    sent: bool  # send-code answered 202


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    # With its append-only file, as production's Redis; the killed master is not restarted.
    group = RedisSentinelGroup(tmp_path_factory.mktemp("sentinel"), appendonly=True)
    group.start()
    yield group
    group.stop()


@pytest.fixture(scope="module")
def sentinel_stack(postgres, group, tmp_path_factory):
    """The drills' stack with REDIS_SENTINELS: its REDIS_URL (the master's, database 0) gives
    only the database then; the broker is `sentinel:///1`, database 1 of the same master."""
    with live_stack(
        tmp_path_factory.mktemp("sentinel-stack"),
        postgres.url("referral_drills_sentinel"),
        group.master,
        0,
        {**STACK_ENV, "REDIS_SENTINELS": group.addresses},
        broker_url="sentinel:///1",
    ) as running:
        yield running


def log_in(api: Api, phone: str, started: float) -> Login:
    try:
        api.login(phone, timeout=SMS_TIMEOUT, patient=True, interval=0.5)
        outcome, sent = "ok", True
    except LoginFailed as failed:
        outcome = f"{failed.step} {failed.answer.status} {failed.answer.code}"
        sent = failed.step != "send-code"
    except TimeoutError:
        outcome, sent = "no SMS", True
    except OSError:
        outcome, sent = "no answer", False
    return Login(phone, started, time.monotonic(), outcome, sent)


def sms_sent(database_url: str, phones: list[str]) -> set[str]:
    """The phones whose SMS the worker sent, by the message log."""
    if not phones:
        return set()
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM sms_smslog WHERE phone = ANY(%s) AND status = 'sent'", [phones]
        )
        return {phone for (phone,) in cursor.fetchall()}


def test_the_master_is_killed_under_login_load_and_a_replica_takes_over(
    group, sentinel_stack, postgres, scale, drill_report
):
    api = Api(sentinel_stack.web_process.url)
    # People arrive at a steady rate whatever the service does (an open loop): some arrive
    # while there is no master, and the ones whose SMS is on its way wait for it.
    rate = 6 if scale > 20 else 3
    logins: list[Login] = []
    done = threading.Event()

    def arrivals() -> None:
        with ThreadPoolExecutor(max_workers=200) as pool:
            first = time.monotonic()
            for n in itertools.count():
                arrival = first + n / rate
                time.sleep(max(0.0, arrival - time.monotonic()))
                if done.is_set():
                    return
                phone = f"+7927{n:07d}"
                pool.submit(lambda p=phone, t=arrival: logins.append(log_in(api, p, t)))

    people = threading.Thread(target=arrivals)
    people.start()
    time.sleep(5)  # logins in every stage: sent, waiting for the SMS, verifying

    replica = group.replicas[0].port
    group.master.kill()  # SIGKILL: no shutdown, no last write, no goodbye to the replica
    killed = time.monotonic()
    promoted = back = None
    while back is None and time.monotonic() < killed + 60:
        if promoted is None and group.master_port() == replica:
            promoted = time.monotonic()
        if promoted:  # the first login that started after the promotion and worked
            back = next((x for x in logins if x.outcome == "ok" and x.started > promoted), None)
        time.sleep(0.1)
    # Counters: each phone sent a code before the kill is inside its 60 s cooldown still, so
    # another code must be refused, unless the cooldown was lost with the master.
    sent_before = [login.phone for login in logins if login.sent and login.started < killed]
    resent = Counter(api.send_code(phone).status for phone in sent_before)
    time.sleep(3)
    done.set()
    people.join()  # and every login under way has ended

    failures = [login for login in logins if login.outcome != "ok"]
    first_failure = min((login.ended for login in failures), default=None)
    back_at = min(
        (
            x.ended
            for x in logins
            if x.outcome == "ok" and first_failure and x.started > first_failure
        ),
        default=None,
    )
    # The ones under way at the kill that still worked: how long the outage made them wait.
    spanning = [x for x in logins if x.outcome == "ok" and x.started < killed < x.ended]
    longest = max((x.ended - x.started for x in spanning), default=0)
    kinds = Counter(login.outcome for login in failures)
    codes_lost = sum(n for kind, n in kinds.items() if kind.startswith("verify-code"))
    counters_lost = resent[202]
    no_sms = [login.phone for login in failures if login.outcome == "no SMS"]
    sent_anyway = sms_sent(postgres.url("referral_drills_sentinel"), no_sms)

    def since(moment: float | None) -> str:
        return f"{max(moment - killed, 0):.1f} s" if moment else "-"

    window = (
        f"logins failed from {since(first_failure)} to {since(back_at)} after the kill "
        f"({back_at - first_failure:.1f} s)"
        if first_failure and back_at
        else "no login failed"
    )
    drill_report.add(
        f"Redis master killed (SIGKILL) under login load ({rate} new logins a second), "
        "Sentinel failover to the replica",
        f"replica promoted {since(promoted)} after the kill, first login started after it "
        f"done at {since(back.ended if back else None)}; {window}; {len(spanning)} logins "
        f"under way at the kill worked, the longest in {longest:.1f} s; "
        f"{len(failures)} of {len(logins)} logins failed"
        f"{': ' if kinds else ''}{', '.join(f'{n} x {kind}' for kind, n in kinds.most_common())}; "
        f"lost: {codes_lost} codes, the counters of {counters_lost} of {len(sent_before)} "
        f"phones sent a code before the kill, {len(no_sms)} SMS "
        f"({len(sent_anyway)} of them sent, their dev-inbox entry lost)",
        codes_lost + counters_lost + len(no_sms),
    )
    assert promoted is not None, "the sentinels did not promote the replica"
    assert back is not None, "no login worked after the failover"
    assert not [kind for kind in kinds if " 500 " in kind], kinds  # never a 500
    assert sentinel_stack.worker_process.running()  # the worker lived through it
