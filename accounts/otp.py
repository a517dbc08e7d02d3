"""The login-code store in Redis: a code lives only as a keyed hash, next to its attempt counter.

Per phone (itself keyed by an HMAC, so no phone number appears in a key) Redis holds the
code's hash and its attempt counter (both with the code's TTL), the resend cooldown, and the
times of the sends of the last day (a sorted set: the hourly and daily caps are moving
windows over it). Each operation is one Lua script, so it is atomic and costs one round trip:
concurrent guesses cannot overrun the attempt budget, concurrent right answers consume the
code once, and concurrent sends cannot slip past the limits.

The keys of one phone share a hash tag, so the scripts also run on Redis Cluster. The scripts
compare keyed hashes, never codes, so a plain `==` there leaks nothing worth timing.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection

from accounts.errors import CodeExpired, InvalidCode, ResendTooSoon, TooManyAttempts, TooManyCodes

validate_code_format = RegexValidator(
    r"\A[0-9]{4}\Z", message=_("The code is 4 digits."), code="invalid"
)

# Shared by the scripts: KEYS[1] code hash, KEYS[2] attempts, KEYS[3] cooldown, KEYS[4] sends.
_SEND_WAIT = """
local HOUR, DAY = 3600000, 86400000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- Milliseconds until the k-th oldest send of a full window ages out of it.
local function cap_wait(window, cap)
  local sends = redis.call('ZRANGEBYSCORE', KEYS[4], now - window, '+inf', 'WITHSCORES')
  local count = #sends / 2
  if count < cap then return 0 end
  if cap == 0 then return window end  -- sending is switched off
  local k = count - cap + 1
  return tonumber(sends[2 * k]) + window - now
end

-- How long until this phone may be sent a new code: {cooldown wait, caps wait} in ms.
local function send_wait(hour_cap, day_cap)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - DAY)
  local caps = math.max(cap_wait(HOUR, hour_cap), cap_wait(DAY, day_cap))
  return math.max(redis.call('PTTL', KEYS[3]), 0), caps
end
"""

# ARGV: code hash, ttl (s), cooldown (ms), hour cap, day cap, send id.
_ISSUE = (
    _SEND_WAIT
    + """
local cooldown_wait, caps_wait = send_wait(tonumber(ARGV[4]), tonumber(ARGV[5]))
if caps_wait > 0 then return {'too_many_codes', caps_wait} end
if cooldown_wait > 0 then return {'resend_too_soon', cooldown_wait} end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[3], 1, 'PX', ARGV[3]) end
redis.call('ZADD', KEYS[4], now, ARGV[6])
redis.call('PEXPIRE', KEYS[4], DAY)
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], 0, 'EX', ARGV[2])
return {'ok', 0}
"""
)

# ARGV: candidate hash, max attempts, ttl (s), hour cap, day cap.
_CONSUME = (
    _SEND_WAIT
    + """
local max_attempts = tonumber(ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 0 then return {'code_expired', 0} end
local attempt = redis.call('INCR', KEYS[2])
if attempt > max_attempts then
  return {'too_many_attempts', math.max(send_wait(tonumber(ARGV[4]), tonumber(ARGV[5])))}
end
local stored = redis.call('GET', KEYS[1])
if not stored then return {'code_expired', 0} end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'ok', 0}
end
if attempt < max_attempts then return {'invalid_code', max_attempts - attempt} end
-- The last attempt: the code dies, and the counter stays spent until a new code is sent.
local wait = math.max(send_wait(tonumber(ARGV[4]), tonumber(ARGV[5])))
redis.call('DEL', KEYS[1])
redis.call('PEXPIRE', KEYS[2], math.max(tonumber(ARGV[3]) * 1000, wait))
return {'too_many_attempts', wait}
"""
)

# ARGV: hour cap, day cap.
_RESEND_WAIT = _SEND_WAIT + "return math.max(send_wait(tonumber(ARGV[1]), tonumber(ARGV[2])))"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_in: int
    resend_in: int


def _keys(phone: str) -> list[str]:
    tag = salted_hmac("accounts.otp.phone", phone).hexdigest()[:32]
    return [f"otp:{{{tag}}}:{name}" for name in ("code", "attempts", "cooldown", "sends")]


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("accounts.otp.code", f"{phone}:{code}").hexdigest()


def _run(source: str, keys: list[str], args: list) -> list:
    client = get_redis_connection("default")
    return client.register_script(source)(keys=keys, args=args, client=client)


def _caps() -> list[int]:
    return [settings.OTP_MAX_PER_HOUR, settings.OTP_MAX_PER_DAY]


def otp_resend_in(*, phone: str) -> float:
    """Seconds until a new code can be sent to this phone (0: now)."""
    return _run(_RESEND_WAIT, _keys(phone), _caps()) / 1000


@contextmanager
def otp_issue(*, phone: str) -> Iterator[IssuedCode]:
    """Draw a new code for `phone`, replacing any previous one, and yield it for delivery.

    If the block raises (the SMS could not be queued), the send is taken back whole: the
    code, the cooldown and its place in the caps, so that a retry is not refused.
    """
    keys = _keys(phone)
    code = f"{secrets.randbelow(10_000):04d}"
    send_id = secrets.token_hex(8)
    ttl, cooldown = settings.OTP_TTL_SECONDS, settings.OTP_RESEND_COOLDOWN_SECONDS
    args = [_code_hash(phone, code), ttl, cooldown * 1000, *_caps(), send_id]
    status, wait_ms = _run(_ISSUE, keys, args)
    if status == b"too_many_codes":
        raise TooManyCodes(retry_after=wait_ms / 1000)
    if status == b"resend_too_soon":
        raise ResendTooSoon(retry_after=wait_ms / 1000)
    try:
        yield IssuedCode(code=code, expires_in=ttl, resend_in=cooldown)
    except BaseException:
        with get_redis_connection("default").pipeline() as undo:
            undo.delete(*keys[:3])
            undo.zrem(keys[3], send_id)
            undo.execute()
        raise


def otp_consume(*, phone: str, code: str) -> None:
    """Accept `code` for `phone` once, or raise why not.

    The 5th wrong code (OTP_MAX_ATTEMPTS) kills the code: until a new one is sent, every try
    answers TooManyAttempts, the right code included.
    """
    max_attempts = settings.OTP_MAX_ATTEMPTS
    args = [_code_hash(phone, code), max_attempts, settings.OTP_TTL_SECONDS, *_caps()]
    status, value = _run(_CONSUME, _keys(phone), args)
    if status == b"ok":
        return
    if status == b"invalid_code":
        raise InvalidCode(attempts_left=value)
    if status == b"too_many_attempts":
        raise TooManyAttempts(retry_after=value / 1000)
    raise CodeExpired
