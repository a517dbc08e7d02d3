"""The login-code store in Redis, and every limit on sending and checking codes, one script each.

Per phone (keyed by an HMAC, so no phone number appears in a key) Redis holds the code's
keyed hash and its attempt counter (both with the code's TTL), the resend cooldown, the times
of the sends and of the wrong codes of the moving day (sorted sets: the caps are moving windows
over them). Per client IP: the request rate and the wrong codes of the day. Per range (see
sms.ranges): the codes sent and verified, for the range's rate and the conversion watch, and
the watch's block. For the whole service: the sends of the day (the SMS budget), and the mirror
of the operators' blocked ranges.

A send-code is one script (one round trip, EVALSHA): it makes the checks in the contract's
order, and when all pass writes the code and counts the send everywhere, atomically, so that
concurrent requests cannot slip past any limit. A verify-code is one script too. The scripts
compare keyed hashes, never codes, so a plain `==` there leaks nothing worth timing.

One script touches per-phone, per-IP, per-range and global keys, so they cannot share a Redis
Cluster hash slot: the service runs on one Redis (or Sentinel). Every key still goes through
KEYS.
"""

import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection
from limits import parse
from redis import Redis
from redis.commands.core import Script

from accounts.errors import (
    CodeExpired,
    InvalidCode,
    ResendTooSoon,
    SmsBlocked,
    SmsBudgetExhausted,
    SmsRateLimited,
    TooManyAttempts,
    TooManyCodes,
    WatchBlocked,
)
from project.exceptions import RetryLater, ServiceUnavailable
from sms.blocks import blocked_ranges_sync
from sms.errors import InvalidPhone
from sms.phones import phone_normalize
from sms.ranges import (
    BLOCKS_KEY,
    range_of,
    range_sends_key,
    range_verified_key,
    watch_block_key,
)

BUDGET_KEY = "sms:budget"  # sorted set: every SMS sent in the moving day (SMS_MAX_PER_*)

# What the scripts share: the time, moving-window caps over sorted sets, the per-IP rate.
_PRELUDE = """
local unpack = unpack or table.unpack
local HOUR, DAY = 3600000, 86400000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function trim(key, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
end

-- Milliseconds until the sorted set of times `key` holds fewer than `cap` in the moving
-- `window` (0: now). A negative cap is no cap.
local function cap_wait(key, window, cap)
  if cap < 0 then return 0 end
  local since = '(' .. string.format('%d', now - window)
  local count = redis.call('ZCOUNT', key, since, '+inf')
  if count < cap then return 0 end
  if cap == 0 then return window end
  local oldest = redis.call('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT',
                            count - cap, 1)
  return math.max(tonumber(oldest[2]) + window - now, 1)
end

-- The per-client-IP rate, as the `limits` library's sliding window counter (the other
-- throttles): the previous window's count, weighted by how much of it the moving window still
-- covers, plus this window's. Counts the hit and returns 0, or returns the ms to wait.
local function rate_hit(key, limit, window)
  if limit <= 0 then return window end
  local index = math.floor(now / window)
  local state = redis.call('HMGET', key, 'w', 'c', 'p')
  local current, previous = tonumber(state[2]) or 0, tonumber(state[3]) or 0
  if tonumber(state[1]) ~= index then
    if tonumber(state[1]) == index - 1 then previous = current else previous = 0 end
    current = 0
  end
  local elapsed = now - index * window
  if previous * (window - elapsed) / window + current + 1 <= limit then
    redis.call('HSET', key, 'w', index, 'c', current + 1, 'p', previous)
    redis.call('PEXPIRE', key, 2 * window)
    return 0
  end
  if current + 1 <= limit then  -- the previous window's share has to shrink
    return math.max(math.ceil(window - elapsed - (limit - 1 - current) * window / previous), 1)
  end
  -- This window is full by itself: in the next one it is the previous, and shrinks.
  return math.max(math.ceil(window - elapsed + window - (limit - 1) * window / current), 1)
end
"""

# KEYS: 1 IP rate, 2 blocks mirror, 3 watch block, 4 budget, 5 range sends, 6 range verified,
#       7 code, 8 attempts, 9 cooldown, 10 sends, 11 wrong codes.
# ARGV: 1 phone (E.164), 2 code hash, 3 send id, 4 "1" an SMS / "0" a test number,
#       5 IP limit (-1: none), 6 IP window, then _send_args().
_SEND = (
    _PRELUDE
    + """
local phone, code_hash, send_id, counted = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1'
local ip_limit, ip_window = tonumber(ARGV[5]), tonumber(ARGV[6])
local budget_hour, budget_day = tonumber(ARGV[7]), tonumber(ARGV[8])
local range_cap, range_window = tonumber(ARGV[9]), tonumber(ARGV[10])
local watch_window, watch_grace = tonumber(ARGV[11]), tonumber(ARGV[12])
local watch_sends, watch_conversion = tonumber(ARGV[13]), tonumber(ARGV[14])
local watch_block = tonumber(ARGV[15])
local hour_cap, day_cap, failed_cap = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local cooldown, backoff, cooldown_max = tonumber(ARGV[19]), tonumber(ARGV[20]), tonumber(ARGV[21])
local ttl = ARGV[22]
local keep = math.max(range_window, watch_window)

-- 2. Blocked ranges: any prefix of the number an operator blocked, or the watch's block.
if redis.call('EXISTS', KEYS[2]) == 0 then return {'blocks_unknown', 0} end
local prefixes = {}
for i = 2, #phone do prefixes[#prefixes + 1] = string.sub(phone, 1, i) end
local ends = redis.call('HMGET', KEYS[2], unpack(prefixes))
local permanent, blocked = false, math.max(redis.call('PTTL', KEYS[3]), 0)
for i = 1, #prefixes do
  if ends[i] then
    local until_ms = tonumber(ends[i])
    if until_ms == 0 then
      permanent = true
    elseif until_ms > now then
      blocked = math.max(blocked, until_ms - now)
    end
  end
end
if permanent then return {'sms_blocked', 0} end
if blocked > 0 then return {'sms_blocked', blocked} end
if counted then
  -- The conversion watch: of the codes sent to the range in its window (but those younger
  -- than the grace period: their owners may still be typing), too few were typed in.
  trim(KEYS[5], keep)
  local since = '(' .. string.format('%d', now - watch_window)
  local till = string.format('%d', now - watch_grace)
  local sent = redis.call('ZCOUNT', KEYS[5], since, till)
  if sent > 0 and sent >= watch_sends then
    local verified = redis.call('ZCOUNT', KEYS[6], since, till)
    if verified < watch_conversion * sent then
      redis.call('SET', KEYS[3], 1, 'PX', watch_block)
      redis.call('DEL', KEYS[5], KEYS[6])  -- acted upon: the range starts afresh after it
      return {'sms_blocked', watch_block, sent, verified}
    end
  end
end

-- 3. The per-client-IP rate: every request that gets this far counts.
if ip_limit >= 0 then
  local wait = rate_hit(KEYS[1], ip_limit, ip_window)
  if wait > 0 then return {'throttled', wait} end
end

if counted then
  -- 4. The service's SMS budget, hourly and daily.
  if budget_hour >= 0 or budget_day >= 0 then
    trim(KEYS[4], budget_day >= 0 and DAY or HOUR)
    local wait = math.max(cap_wait(KEYS[4], HOUR, budget_hour), cap_wait(KEYS[4], DAY, budget_day))
    if wait > 0 then return {'sms_budget_exhausted', wait} end
  end
  -- 5. The range's rate.
  local wait = cap_wait(KEYS[5], range_window, range_cap)
  if wait > 0 then return {'sms_rate_limited', wait} end
end

-- 6. The phone's caps (codes an hour, a day; wrong codes a day), then its cooldown.
trim(KEYS[10], DAY)
trim(KEYS[11], DAY)
local wait = math.max(cap_wait(KEYS[10], HOUR, hour_cap), cap_wait(KEYS[10], DAY, day_cap),
                      cap_wait(KEYS[11], DAY, failed_cap))
if wait > 0 then return {'too_many_codes', wait} end
wait = redis.call('PTTL', KEYS[9])
if wait > 0 then return {'resend_too_soon', wait} end

-- Every check passed: the code, and the send counted wherever it counts. Each earlier code
-- of the moving day multiplies the wait before the next one.
local next_wait = math.floor(math.min(cooldown * backoff ^ redis.call('ZCARD', KEYS[10]),
                                      cooldown_max))
if next_wait > 0 then redis.call('SET', KEYS[9], 1, 'PX', next_wait) end
redis.call('ZADD', KEYS[10], now, send_id)
redis.call('PEXPIRE', KEYS[10], DAY)
local record = code_hash
if counted then
  -- The watch counts the code as verified by the time it was sent: keep both with it.
  record = code_hash .. ':' .. string.format('%d', now) .. ':' .. send_id
  if budget_hour >= 0 or budget_day >= 0 then
    redis.call('ZADD', KEYS[4], now, send_id)
    redis.call('PEXPIRE', KEYS[4], DAY)
  end
  redis.call('ZADD', KEYS[5], now, send_id)
  redis.call('PEXPIRE', KEYS[5], keep)
end
redis.call('SET', KEYS[7], record, 'EX', ttl)
redis.call('SET', KEYS[8], 0, 'EX', ttl)
return {'ok', next_wait}
"""
)

# The send's KEYS; ARGV: 1 send id, 2 IP window (-1: the send had no IP).
_SEND_UNDO = (
    _PRELUDE
    + """
redis.call('DEL', KEYS[7], KEYS[8], KEYS[9])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[10], ARGV[1])
local ip_window = tonumber(ARGV[2])
if ip_window > 0 then
  local state = redis.call('HMGET', KEYS[1], 'w', 'c')
  if tonumber(state[1]) == math.floor(now / ip_window) and (tonumber(state[2]) or 0) > 0 then
    redis.call('HINCRBY', KEYS[1], 'c', -1)
  end
end
return 1
"""
)

# How long until send-code accepts the phone again. KEYS: cooldown, sends, wrong codes.
# ARGV: codes an hour, a day, wrong codes a day.
_SEND_WAIT = """
local function send_wait(cooldown, sends, failures, hour_cap, day_cap, failed_cap)
  trim(sends, DAY)
  trim(failures, DAY)
  return math.max(redis.call('PTTL', cooldown), cap_wait(sends, HOUR, hour_cap),
                  cap_wait(sends, DAY, day_cap), cap_wait(failures, DAY, failed_cap), 0)
end
"""

_RESEND_WAIT = (
    _PRELUDE
    + _SEND_WAIT
    + """
return send_wait(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]),
                 tonumber(ARGV[3]))
"""
)

# KEYS: 1 IP rate, 2 IP wrong codes, 3 code, 4 attempts, 5 cooldown, 6 sends, 7 wrong codes,
#       8 range verified.
# ARGV: 1 candidate hash, 2 an id for this try, 3 IP limit (-1: none), 4 IP window,
#       5 IP wrong codes cap (-1: none), then _verify_args().
_VERIFY = (
    _PRELUDE
    + _SEND_WAIT
    + """
local candidate, try_id = ARGV[1], ARGV[2]
local ip_limit, ip_window, ip_failed_cap = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local max_attempts, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local hour_cap, day_cap, failed_cap = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local watch_window = tonumber(ARGV[11])
local function wait_to_send()
  return send_wait(KEYS[5], KEYS[6], KEYS[7], hour_cap, day_cap, failed_cap)
end

-- The client IP: its rate, and its wrong codes of the moving day (over every phone).
if ip_limit >= 0 then
  local wait = rate_hit(KEYS[1], ip_limit, ip_window)
  if wait > 0 then return {'throttled', wait} end
end
if ip_failed_cap >= 0 then
  trim(KEYS[2], DAY)
  local wait = cap_wait(KEYS[2], DAY, ip_failed_cap)
  if wait > 0 then return {'throttled', wait} end
end
-- The phone's wrong codes of the moving day, whatever code they were meant for.
trim(KEYS[7], DAY)
if cap_wait(KEYS[7], DAY, failed_cap) > 0 then return {'too_many_attempts', wait_to_send()} end

if redis.call('EXISTS', KEYS[4]) == 0 then return {'code_expired', 0} end
local attempt = redis.call('INCR', KEYS[4])
if attempt > max_attempts then return {'too_many_attempts', wait_to_send()} end
local stored = redis.call('GET', KEYS[3])
if not stored then return {'code_expired', 0} end
local hash, sent_at, send_id = string.match(stored, '^([^:]*):?([^:]*):?(.*)$')
if hash == candidate then
  local left = redis.call('PTTL', KEYS[3])
  redis.call('DEL', KEYS[3], KEYS[4])
  if sent_at ~= '' then
    trim(KEYS[8], watch_window)
    redis.call('ZADD', KEYS[8], sent_at, send_id)
    redis.call('PEXPIRE', KEYS[8], watch_window)
  end
  return {'ok', left, attempt - 1, stored}
end
redis.call('ZADD', KEYS[7], now, try_id)
redis.call('PEXPIRE', KEYS[7], DAY)
if ip_failed_cap >= 0 then
  redis.call('ZADD', KEYS[2], now, try_id)
  redis.call('PEXPIRE', KEYS[2], DAY)
end
if attempt < max_attempts then return {'invalid_code', max_attempts - attempt} end
-- The last attempt: the code dies, and the counter stays spent until a new code is sent.
local wait = wait_to_send()
redis.call('DEL', KEYS[3])
redis.call('PEXPIRE', KEYS[4], math.max(ttl * 1000, wait))
return {'too_many_attempts', wait}
"""
)

# A code taken by a login that then failed (the database was down) is put back as it was,
# unless a new code replaced it meanwhile. KEYS: 1 code, 2 attempts, 3 range verified.
# ARGV: 1 the code's record, 2 ms it had left, 3 attempts it had used, 4 its send id.
_GIVE_BACK = """
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return 1
"""


def _script(source: str) -> Script:
    # One per process: redis-py's Script keeps the SHA and sends EVALSHA (the script's text
    # only when a Redis has not seen it, e.g. after a restart). Bytes: no client needed here.
    return Script(None, source.encode())


_SEND_SCRIPT = _script(_SEND)
_SEND_UNDO_SCRIPT = _script(_SEND_UNDO)
_RESEND_WAIT_SCRIPT = _script(_RESEND_WAIT)
_VERIFY_SCRIPT = _script(_VERIFY)
_GIVE_BACK_SCRIPT = _script(_GIVE_BACK)


# Settings, read once: every request would otherwise parse the rates and the test numbers.


@dataclass(frozen=True)
class OtpConfig:
    code_length: int
    code_format: re.Pattern
    ttl: int
    test_numbers: Mapping[str, str]
    range_digits: int
    send_rate: tuple[int, int]  # (limit, window in ms) per client IP
    verify_rate: tuple[int, int]
    failed_per_ip: int
    send_args: tuple  # the send script's ARGV from 7 on
    verify_args: tuple  # the verify script's ARGV from 6 on
    wait_args: tuple  # codes an hour, a day, wrong codes a day
    phone_key: bytes
    code_key: bytes


def _rate(setting: str) -> tuple[int, int]:
    item = parse(getattr(settings, setting))
    return item.amount, item.get_expiry() * 1000


def _cap(value: int | None) -> int:
    return -1 if value is None else value


def _encoded(*values: object) -> tuple[bytes, ...]:
    # As redis-py would send them, once: the scripts' settings go with every call.
    return tuple(str(value).encode() for value in values)


def _derived_key(salt: str) -> bytes:
    # salted_hmac()'s key for this salt, derived once instead of on every call.
    return hashlib.sha1((salt + settings.SECRET_KEY).encode()).digest()  # noqa: S324


def _test_numbers(spec: str, length: int) -> dict[str, str]:
    numbers = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        phone, _sep, code = entry.rpartition(":")
        try:
            phone = phone_normalize(phone)
        except InvalidPhone:
            raise ImproperlyConfigured(f"OTP_TEST_NUMBERS: {phone!r} is no phone number") from None
        if not re.fullmatch(rf"[0-9]{{{length}}}", code):
            raise ImproperlyConfigured(
                f"OTP_TEST_NUMBERS: the code of {phone} is not {length} digits (OTP_CODE_LENGTH)"
            )
        numbers[phone] = code
    return numbers


@cache
def otp_config() -> OtpConfig:
    length = settings.OTP_CODE_LENGTH
    if not 4 <= length <= 8:
        raise ImproperlyConfigured("OTP_CODE_LENGTH must be 4 to 8 digits.")
    if not 0 <= settings.OTP_RANGE_DIGITS <= 6:
        raise ImproperlyConfigured("OTP_RANGE_DIGITS must be 0 to 6.")
    hour, day = settings.OTP_MAX_PER_HOUR, settings.OTP_MAX_PER_DAY
    failed = settings.OTP_MAX_FAILED_PER_DAY
    return OtpConfig(
        code_length=length,
        code_format=re.compile(rf"[0-9]{{{length}}}"),
        ttl=settings.OTP_TTL_SECONDS,
        test_numbers=_test_numbers(settings.OTP_TEST_NUMBERS, length),
        range_digits=settings.OTP_RANGE_DIGITS,
        send_rate=_rate("THROTTLE_SEND_CODE"),
        verify_rate=_rate("THROTTLE_VERIFY_CODE"),
        failed_per_ip=settings.OTP_MAX_FAILED_PER_IP,
        send_args=_encoded(
            _cap(settings.SMS_MAX_PER_HOUR),
            _cap(settings.SMS_MAX_PER_DAY),
            settings.OTP_MAX_PER_RANGE,
            settings.OTP_RANGE_WINDOW_SECONDS * 1000,
            settings.SMS_WATCH_WINDOW_SECONDS * 1000,
            settings.SMS_WATCH_GRACE_SECONDS * 1000,
            settings.SMS_WATCH_MIN_SENDS,
            settings.SMS_WATCH_MIN_CONVERSION,
            max(settings.SMS_WATCH_BLOCK_SECONDS, 1) * 1000,
            hour,
            day,
            failed,
            settings.OTP_RESEND_COOLDOWN_SECONDS * 1000,
            settings.OTP_RESEND_BACKOFF,
            settings.OTP_RESEND_COOLDOWN_MAX_SECONDS * 1000,
            settings.OTP_TTL_SECONDS,
        ),
        verify_args=_encoded(
            settings.OTP_MAX_ATTEMPTS,
            settings.OTP_TTL_SECONDS,
            hour,
            day,
            failed,
            settings.SMS_WATCH_WINDOW_SECONDS * 1000,
        ),
        wait_args=_encoded(hour, day, failed),
        phone_key=_derived_key("accounts.otp.phone"),
        code_key=_derived_key("accounts.otp.code"),
    )


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    otp_config.cache_clear()
    _client.cache_clear()


def validate_code_format(value: str) -> None:
    """Exactly OTP_CODE_LENGTH ASCII digits: the API's and the page's check of a typed code."""
    config = otp_config()
    if not config.code_format.fullmatch(value):
        raise ValidationError(
            _("The code is %(length)s digits."),
            code="invalid",
            params={"length": config.code_length},
        )


# Keys


def _phone_keys(phone: str, key: bytes) -> list[str]:
    tag = hmac.new(key, phone.encode(), hashlib.sha1).hexdigest()[:32]
    return [f"otp:{{{tag}}}:{name}" for name in ("code", "attempts", "cooldown", "sends", "failed")]


def _code_hash(phone: str, code: str, key: bytes) -> str:
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha1).hexdigest()


@cache
def _client() -> Redis:
    # One client per process (it is thread-safe, over django-redis's connection pool) rather
    # than a lookup through the thread's cache object on every call.
    return get_redis_connection("default")


# Sending


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_in: int
    resend_in: int
    sms: bool  # False for a test number: it is sent nothing


_SEND_REFUSALS = {
    b"throttled": RetryLater,
    b"sms_budget_exhausted": SmsBudgetExhausted,
    b"sms_rate_limited": SmsRateLimited,
    b"too_many_codes": TooManyCodes,
    b"resend_too_soon": ResendTooSoon,
}


def _send_refusal(reply: list, prefix: str) -> Exception:
    status, wait_ms = reply[0], reply[1]
    if status == b"sms_blocked":
        retry_after = wait_ms / 1000 if wait_ms else None
        if len(reply) > 2:  # blocked by the watch just now
            return WatchBlocked(
                retry_after=retry_after, prefix=prefix, sent=reply[2], verified=reply[3]
            )
        return SmsBlocked(retry_after=retry_after)
    return _SEND_REFUSALS[status](retry_after=wait_ms / 1000)


@contextmanager
def otp_issue(*, phone: str, client_ip: str | None = None) -> Iterator[IssuedCode]:
    """Check every limit on sending a code to `phone` (E.164) and, if all pass, draw a new code
    that replaces any previous one, and yield it for delivery. Raises the first limit that says
    no, in the contract's order. `client_ip` is the requester's (None: no per-IP rate).

    If the block raises (the SMS could not be queued), the send is taken back whole: the code,
    the cooldown, its place in every count, so that a retry is not refused.
    """
    config = otp_config()
    fixed = config.test_numbers.get(phone)
    code = fixed or f"{secrets.randbelow(10**config.code_length):0{config.code_length}d}"
    send_id = secrets.token_hex(8)
    prefix = range_of(phone, config.range_digits)
    ip = client_ip or "-"
    keys = [
        f"otp:rate:send:{ip}",
        BLOCKS_KEY,
        watch_block_key(prefix),
        BUDGET_KEY,
        range_sends_key(prefix),
        range_verified_key(prefix),
        *_phone_keys(phone, config.phone_key),
    ]
    ip_limit, ip_window = config.send_rate if client_ip else (-1, -1)
    args = [
        phone,
        _code_hash(phone, code, config.code_key),
        send_id,
        0 if fixed else 1,
        ip_limit,
        ip_window,
        *config.send_args,
    ]
    client = _client()
    reply = _SEND_SCRIPT(keys=keys, args=args, client=client)
    if reply[0] == b"blocks_unknown":  # Redis lost the mirror (a restart): build it again
        blocked_ranges_sync()
        reply = _SEND_SCRIPT(keys=keys, args=args, client=client)
        if reply[0] == b"blocks_unknown":
            raise ServiceUnavailable
    if reply[0] != b"ok":
        raise _send_refusal(reply, prefix)
    try:
        yield IssuedCode(
            code=code,
            expires_in=config.ttl,
            resend_in=math.ceil(reply[1] / 1000),
            sms=fixed is None,
        )
    except BaseException:
        _SEND_UNDO_SCRIPT(keys=keys, args=[send_id, ip_window], client=client)
        raise


def otp_resend_in(*, phone: str) -> float:
    """Seconds until a new code can be sent to this phone as far as its own limits go (0: now)."""
    config = otp_config()
    keys = _phone_keys(phone, config.phone_key)[2:]
    return _RESEND_WAIT_SCRIPT(keys=keys, args=config.wait_args, client=_client()) / 1000


# Checking


@dataclass(frozen=True)
class ConsumedCode:
    """A code a login took: what it takes to give it back if the login fails on an outage."""

    keys: list[str]
    record: bytes
    ttl_ms: int
    attempts: int


_VERIFY_REFUSALS = {
    b"throttled": lambda value: RetryLater(retry_after=value / 1000),
    b"too_many_attempts": lambda value: TooManyAttempts(retry_after=value / 1000),
    b"invalid_code": lambda value: InvalidCode(attempts_left=value),
    b"code_expired": lambda value: CodeExpired(),
}


def otp_consume(*, phone: str, code: str, client_ip: str | None = None) -> ConsumedCode:
    """Accept `code` for `phone` once, or raise why not.

    The 5th wrong code (OTP_MAX_ATTEMPTS) kills the code: until a new one is sent, every try
    answers TooManyAttempts, the right code included; so does every try once the phone had
    OTP_MAX_FAILED_PER_DAY wrong codes in the moving day. A client IP past its rate or its
    OTP_MAX_FAILED_PER_IP wrong codes of the day is refused before any code is compared.
    """
    config = otp_config()
    phone_keys = _phone_keys(phone, config.phone_key)
    ip = client_ip or "-"
    keys = [
        f"otp:rate:verify:{ip}",
        f"otp:failed:ip:{ip}",
        *phone_keys,
        range_verified_key(range_of(phone, config.range_digits)),
    ]
    ip_limit, ip_window = config.verify_rate if client_ip else (-1, -1)
    args = [
        _code_hash(phone, code, config.code_key),
        secrets.token_hex(8),
        ip_limit,
        ip_window,
        config.failed_per_ip if client_ip else -1,
        *config.verify_args,
    ]
    reply = _VERIFY_SCRIPT(keys=keys, args=args, client=_client())
    if reply[0] != b"ok":
        raise _VERIFY_REFUSALS[reply[0]](reply[1])
    return ConsumedCode(
        keys=[keys[2], keys[3], keys[7]],
        record=reply[3],
        ttl_ms=max(reply[1], 1),
        attempts=reply[2],
    )


def otp_give_back(consumed: ConsumedCode) -> bool:
    """Put a consumed code back (its login failed on an outage); False if a new one replaced it."""
    parts = consumed.record.split(b":")
    send_id = parts[2] if len(parts) == 3 else b""
    args = [consumed.record, consumed.ttl_ms, consumed.attempts, send_id]
    return bool(_GIVE_BACK_SCRIPT(keys=consumed.keys, args=args, client=_client()))


# Support


@dataclass(frozen=True)
class PhoneLimits:
    code_live: bool
    attempts: int
    cooldown: float  # seconds
    sends_hour: int
    sends_day: int
    failed_day: int
    resend_in: float


def otp_limits_get(*, phone: str) -> PhoneLimits:
    """Where a phone stands with its own limits: for support staff asked why a login fails."""
    config = otp_config()
    code, attempts, cooldown, sends, failed = _phone_keys(phone, config.phone_key)
    resend_in = otp_resend_in(phone=phone)  # also drops what aged out of the moving day
    hour_ago = int(time.time() * 1000) - 3_600_000
    with _client().pipeline(transaction=False) as read:
        read.exists(code)
        read.get(attempts)
        read.pttl(cooldown)
        read.zcount(sends, f"({hour_ago}", "+inf")
        read.zcard(sends)
        read.zcard(failed)
        live, used, cooldown_ms, sends_hour, sends_day, failed_day = read.execute()
    return PhoneLimits(
        code_live=bool(live),
        attempts=int(used or 0),
        cooldown=max(cooldown_ms, 0) / 1000,
        sends_hour=sends_hour,
        sends_day=sends_day,
        failed_day=failed_day,
        resend_in=resend_in,
    )


def otp_limits_reset(*, phone: str) -> None:
    """Give a phone a clean slate: no code, no cooldown, nothing counted against its caps.

    For support staff, when someone was locked out on purpose (a stranger can use up a
    phone's caps: the price of having them).
    """
    _client().delete(*_phone_keys(phone, otp_config().phone_key))
