"""`make abuse`: an attacker against the live stack (loopback only, bounded), while people log in.

The stack runs production settings with every defence at the contract's defaults, behind one
trusted proxy (NUM_PROXIES=1), so that the attacker can claim any client address with
X-Forwarded-For, as one with many addresses would. Two settings are shortened, only so that
what takes minutes happens within the drill: the conversion watch counts codes older than 2 s
(SMS_WATCH_GRACE_SECONDS, 300), and the first resend waits 1 s (OTP_RESEND_COOLDOWN_SECONDS,
60; it still doubles with each code). Each attack's table row says what got through and the
most the settings allow: a 202 is an SMS queued.
"""

import itertools
import threading
import time
from collections import Counter

import pytest

from drills.conftest import live_stack
from harness import Api

pytestmark = pytest.mark.abuse

# What the stack changes of the contract's defaults (see the module's docstring).
ENV = {
    "WEB_CONCURRENCY": "2",
    "NUM_PROXIES": "1",
    "SMS_WATCH_GRACE_SECONDS": "2",
    "OTP_RESEND_COOLDOWN_SECONDS": "1",
}
# The contract's defaults the caps below follow from.
OTP_MAX_PER_RANGE = 30
OTP_MAX_PER_HOUR = 5
OTP_MAX_FAILED_PER_DAY = 15
OTP_MAX_ATTEMPTS = 5

ATTACKED_RANGE = "+790055510"  # the numbers +79005551000 to +79005551999: one range
# Premium-rate, foreign, satellite, toll-free and landline numbers: no SMS, ever.
EXPENSIVE = [
    "+447400123456",  # a UK mobile
    "+4915112345678",  # a German mobile
    "+375291234567",  # a Belarusian mobile
    "+19005550123",  # US premium rate
    "+449098790000",  # UK premium rate
    "+78091234567",  # Russian premium rate (8-809)
    "+78001234567",  # Russian toll-free (8-800)
    "+74951234567",  # a Moscow landline
    "+881612345678",  # satellite
]
BOMBED = "+79005552001"
GUESSED = "+79005553001"

_addresses = (f"10.{a}.{b}.{c}" for a, b, c in itertools.product(range(256), repeat=3))
_address_lock = threading.Lock()


def address() -> dict:
    """Headers of a request from a client address no other request used."""
    with _address_lock:
        return {"X-Forwarded-For": next(_addresses)}


@pytest.fixture(scope="module")
def target(postgres, redis, tmp_path_factory) -> Api:
    """A stack of its own on the drills' servers (other databases), defences on."""
    with live_stack(
        tmp_path_factory.mktemp("abuse"), postgres.url("referral_abuse"), redis, 2, ENV
    ) as stack:
        yield Api(stack.web_process.url)


def test_an_attacker_gets_no_more_than_the_caps_and_people_still_log_in(
    target, scale, abuse_report
):
    api = target
    people = [f"+7917{n:03d}0001" for n in range(5 if scale < 100 else 20)]  # one range each
    logged_in: list[str] = []

    def person(phone: str) -> None:
        as_one_client = Api(api.base, headers=address())
        as_one_client.login(phone)
        logged_in.append(phone)

    people_threads = [threading.Thread(target=person, args=(phone,)) for phone in people]
    for thread in people_threads:
        thread.start()

    # 1. Pumping one range: every number of it, again and again, each from another address.
    flood = scale * 25  # 500 send-codes with --smoke, 2,500 otherwise
    first = [api.send_code(f"{ATTACKED_RANGE}{n:02d}", headers=address()) for n in range(30)]
    time.sleep(3)  # the watch's grace (2 s) has passed for the first codes
    rest = [
        api.send_code(f"{ATTACKED_RANGE[:-1]}{100 + n % 900:03d}", headers=address())
        for n in range(flood)
    ]
    range_answers = Counter(answer.code or answer.status for answer in first + rest)

    # 2. Premium-rate and foreign numbers, again and again.
    expensive = Counter(
        answer.code or answer.status
        for _ in range(scale)  # 180 send-codes with --smoke, 900 otherwise
        for phone in EXPENSIVE
        for answer in [api.send_code(phone, headers=address())]
    )

    # 3. A bomber on one phone.
    bomber = Counter(
        answer.code or answer.status
        for _ in range(scale * 2)
        for answer in [api.send_code(BOMBED, headers=address())]
    )

    # 4. A guesser on one phone, each guess from another address, asking for new codes.
    evaluated, guesses, codes = 0, Counter(), 0
    last = None
    for n in range(scale * 5):
        answer = api.verify_code(GUESSED, f"{n % 10_000:04d}", headers=address())
        guesses[answer.code or answer.status] += 1
        if answer.code == "invalid_code":
            evaluated += 1
        elif (
            answer.code == "too_many_attempts"
            and last is not None
            and last.code == ("invalid_code")
        ):
            evaluated += 1  # the last attempt of a code: evaluated, and the code dies
        if answer.code in {"code_expired", "too_many_attempts"}:
            if api.send_code(GUESSED, headers=address()).status == 202:
                codes += 1
            time.sleep(0.1)
        last = answer

    for thread in people_threads:
        thread.join()

    blocks = range_answers["sms_blocked"]
    abuse_report.add(
        "one range pumped (send-code to each number, each from another address)",
        f"{len(first) + len(rest)} sent: {dict(range_answers)}; SMS queued: {range_answers[202]}"
        f"; blocked by the conversion watch: {'yes' if blocks else 'no'}",
        f"at most OTP_MAX_PER_RANGE = {OTP_MAX_PER_RANGE} SMS",
    )
    abuse_report.add(
        f"premium-rate, foreign, satellite, toll-free and landline numbers ({len(EXPENSIVE)})",
        f"{sum(expensive.values())} sent: {dict(expensive)}; SMS queued: {expensive[202]}",
        "0 SMS",
    )
    abuse_report.add(
        "an SMS bomber on one phone",
        f"{sum(bomber.values())} sent: {dict(bomber)}; SMS queued: {bomber[202]}",
        f"at most OTP_MAX_PER_HOUR = {OTP_MAX_PER_HOUR} SMS",
    )
    abuse_report.add(
        "a guesser on one phone, every guess from another address",
        f"{sum(guesses.values())} guesses over {codes + 1} codes: {dict(guesses)}; "
        f"wrong codes evaluated: {evaluated}",
        f"at most OTP_MAX_FAILED_PER_DAY = {OTP_MAX_FAILED_PER_DAY} a day",
    )
    abuse_report.add(
        "people logging in meanwhile, each in a range of their own",
        f"{len(logged_in)} of {len(people)} logged in",
        "all",
    )
    assert range_answers[202] <= OTP_MAX_PER_RANGE
    assert blocks > 0
    assert expensive[202] == 0
    assert bomber[202] <= OTP_MAX_PER_HOUR
    assert evaluated <= OTP_MAX_FAILED_PER_DAY
    assert sorted(logged_in) == sorted(people)
