"""The code store, on the real Redis: single use, the attempt budget, the send limits."""

import time

import pytest
from django_redis import get_redis_connection

from accounts.errors import CodeExpired, InvalidCode, ResendTooSoon, TooManyAttempts, TooManyCodes
from accounts.otp import otp_consume, otp_issue, otp_resend_in

# The code store reads the blocked ranges from the database when Redis has lost their mirror
# (every test starts with an empty Redis).
pytestmark = pytest.mark.django_db


def issue(phone: str) -> str:
    with otp_issue(phone=phone) as issued:
        return issued.code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10_000:04d}"


def test_a_code_is_four_digits_and_reports_its_life_and_cooldown(phone):
    with otp_issue(phone=phone) as issued:
        assert len(issued.code) == 4
        assert issued.code.isdigit()
    assert (issued.expires_in, issued.resend_in) == (300, 60)


def test_the_right_code_is_accepted_once(phone):
    code = issue(phone)
    otp_consume(phone=phone, code=code)
    with pytest.raises(CodeExpired):
        otp_consume(phone=phone, code=code)


def test_a_phone_that_was_never_sent_a_code_has_none(phone):
    with pytest.raises(CodeExpired):
        otp_consume(phone=phone, code="1234")


def test_a_code_expires_with_its_ttl(phone, settings):
    settings.OTP_TTL_SECONDS = 1
    code = issue(phone)
    time.sleep(1.2)
    with pytest.raises(CodeExpired):
        otp_consume(phone=phone, code=code)


def test_a_wrong_code_says_how_many_attempts_are_left(phone):
    code = issue(phone)
    with pytest.raises(InvalidCode) as caught:
        otp_consume(phone=phone, code=wrong(code))
    assert caught.value.fields == {"attempts_left": 4}


def test_fifth_wrong_code_kills_the_code(phone):
    code = issue(phone)
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidCode) as caught:
            otp_consume(phone=phone, code=wrong(code))
        assert caught.value.fields["attempts_left"] == left
    with pytest.raises(TooManyAttempts) as caught:
        otp_consume(phone=phone, code=wrong(code))
    assert 1 <= caught.value.wait <= 60
    # From now on even the right code is refused, until a new one is sent.
    with pytest.raises(TooManyAttempts):
        otp_consume(phone=phone, code=code)


def test_a_killed_code_stays_locked_after_its_ttl(phone, settings):
    settings.OTP_TTL_SECONDS = 1
    code = issue(phone)
    for _ in range(5):
        with pytest.raises((InvalidCode, TooManyAttempts)):
            otp_consume(phone=phone, code=wrong(code))
    time.sleep(1.2)
    with pytest.raises(TooManyAttempts):
        otp_consume(phone=phone, code=code)


def test_a_new_code_replaces_the_old_one_and_resets_the_attempts(phone, settings, monkeypatch):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    drawn = iter([1111, 2222])
    monkeypatch.setattr("accounts.otp.secrets.randbelow", lambda _: next(drawn))
    old = issue(phone)
    for _ in range(5):
        with pytest.raises((InvalidCode, TooManyAttempts)):
            otp_consume(phone=phone, code=wrong(old))
    new = issue(phone)
    assert (old, new) == ("1111", "2222")
    with pytest.raises(InvalidCode) as caught:
        otp_consume(phone=phone, code=old)
    assert caught.value.fields["attempts_left"] == 4
    otp_consume(phone=phone, code=new)


def test_a_second_send_inside_the_cooldown_is_refused(phone):
    issue(phone)
    with pytest.raises(ResendTooSoon) as caught:
        issue(phone)
    assert 58 <= caught.value.wait <= 60


def test_the_hourly_cap_counts_sends_in_a_moving_hour(phone, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    for _ in range(5):
        issue(phone)
    with pytest.raises(TooManyCodes) as caught:
        issue(phone)
    assert 3590 <= caught.value.wait <= 3600


def test_the_daily_cap_bounds_the_guesses_a_day(phone, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    settings.OTP_MAX_PER_HOUR = 100
    for _ in range(10):
        issue(phone)
    with pytest.raises(TooManyCodes) as caught:
        issue(phone)
    assert caught.value.wait > 86_000


def test_a_refused_send_does_not_use_up_the_cooldown(phone, settings):
    settings.OTP_MAX_PER_HOUR = 0
    with pytest.raises(TooManyCodes):
        issue(phone)
    settings.OTP_MAX_PER_HOUR = 5
    issue(phone)  # not ResendTooSoon


def test_a_send_that_fails_to_queue_leaves_nothing_behind(phone):
    with pytest.raises(ConnectionError), otp_issue(phone=phone) as issued:
        raise ConnectionError("broker down")
    with pytest.raises(CodeExpired):
        otp_consume(phone=phone, code=issued.code)
    assert otp_resend_in(phone=phone) == 0
    issue(phone)  # neither the cooldown nor the caps remember the failed send


def test_the_code_store_keeps_neither_the_code_nor_the_phone(phone):
    code = issue(phone)
    redis = get_redis_connection("default")
    keys = list(redis.scan_iter())
    assert keys
    for key in keys:
        assert phone[1:].encode() not in key
        value = redis.dump(key)
        assert phone[1:].encode() not in value
        if redis.type(key) == b"string":
            assert redis.get(key) != code.encode()


def test_ten_concurrent_right_answers_consume_the_code_once(phone, concurrently):
    code = issue(phone)

    def attempt(_):
        try:
            otp_consume(phone=phone, code=code)
        except (CodeExpired, TooManyAttempts) as exc:
            return exc.default_code
        return "ok"

    results = concurrently(attempt, list(range(10)))
    assert sorted(results) == ["code_expired"] * 9 + ["ok"]


def test_concurrent_guesses_cannot_exceed_the_attempt_budget(phone, concurrently):
    code = issue(phone)
    guesses = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" != code][:50]

    def attempt(guess):
        try:
            otp_consume(phone=phone, code=guess)
        except (InvalidCode, TooManyAttempts) as exc:
            return exc.default_code
        return "accepted"

    results = concurrently(attempt, guesses)
    # Four wrong guesses are told so; the fifth kills the code and the rest are not compared.
    assert results.count("invalid_code") == 4
    assert results.count("too_many_attempts") == 46


def test_resend_in_counts_down_the_cooldown(phone):
    assert otp_resend_in(phone=phone) == 0
    issue(phone)
    assert 59 <= otp_resend_in(phone=phone) <= 60


def test_sending_can_be_switched_off_with_a_zero_cap(phone, settings):
    settings.OTP_MAX_PER_HOUR = 0
    with pytest.raises(TooManyCodes) as caught:
        issue(phone)
    assert caught.value.wait == 3600
