"""Login by phone: send a code, check it, find or create the user, issue and revoke JWTs."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.errors import AccountDisabled, WatchBlocked
from accounts.metrics import OTP_SENDS, OTP_VERIFIES
from accounts.models import User
from accounts.otp import otp_consume, otp_give_back, otp_issue, otp_limits_reset
from invites.services import invite_login_record
from project.fields import iso_8601
from project.metrics import outcome_of
from project.outages import INFRASTRUCTURE_ERRORS
from sms.blocks import blocked_range_watch_record
from sms.phones import phone_mask, phone_normalize, phone_recipient
from sms.tasks import sms_enqueue
from webhooks.events import USER_CREATED
from webhooks.services import webhook_emit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_in: int
    resend_in: int


@dataclass(frozen=True)
class Login:
    user: User
    created: bool  # this login created the user


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def sms_text(*, code: str, expires_in: int) -> str:
    """The SMS, in the requester's language; with SMS_WEBOTP_DOMAIN, its last line is the
    WebOTP one (`@domain #code`), so that a browser on that site offers the code itself."""
    text = _("Your code: %(code)s. It is valid for %(minutes)s minutes.") % {
        "code": code,
        "minutes": max(1, expires_in // 60),
    }
    domain = settings.SMS_WEBOTP_DOMAIN
    return f"{text}\n\n@{domain} #{code}" if domain else text


def code_send(*, phone: str, client_ip: str | None = None) -> CodeSent:
    """Send a new login code to `phone` by SMS; the SMS itself goes out from a Celery worker.

    Refusals come in the contract's order: the number (invalid, region, type) here, every
    other limit in the code store's one script (blocked range, per-IP rate, SMS budget, range
    rate, the phone's caps and cooldown). `client_ip`: the requester, for the per-IP rate
    (None for callers that are not a request: no per-IP rate). A test number (OTP_TEST_NUMBERS)
    is answered as usual and sent nothing. Every outcome is counted once, here.
    """
    try:
        sent = _code_send(phone=phone, client_ip=client_ip)
    except Exception as exc:
        OTP_SENDS.labels(outcome=outcome_of(exc)).inc()
        raise
    OTP_SENDS.labels(outcome="ok").inc()
    return sent


def _code_send(*, phone: str, client_ip: str | None) -> CodeSent:
    try:
        phone = phone_recipient(phone)
        with otp_issue(phone=phone, client_ip=client_ip) as issued:
            if issued.sms:
                text = sms_text(code=issued.code, expires_in=issued.expires_in)
                sms_enqueue(phone=phone, text=text, expires_in=issued.expires_in)
    except WatchBlocked as exc:
        # The block is in force in Redis already; the table lists it for the operators. The
        # answer is sms_blocked even if the database cannot take the row just now.
        try:
            blocked_range_watch_record(
                prefix=exc.prefix, seconds=exc.wait or 0, sent=exc.sent, verified=exc.verified
            )
        except INFRASTRUCTURE_ERRORS as down:
            logger.warning("watch block of %s not listed: %s", exc.prefix, down)
        raise
    logger.debug("login code sent to %s", phone_mask(phone))
    return CodeSent(phone=phone, expires_in=issued.expires_in, resend_in=issued.resend_in)


@contextmanager
def code_verify(*, phone: str, code: str, client_ip: str | None = None) -> Iterator[Login]:
    """Log in with a code: yields the user, and whether this login created it.

    The code is used up only with the login: if what the caller does with the user inside the
    block (tokens, a session) or the user's lookup fails because a backing service is down,
    the code is given back, so that it works once the service is back (it would otherwise
    answer code_expired, and the cooldown would refuse a new one).
    """
    try:
        phone = phone_normalize(phone)
        consumed = otp_consume(phone=phone, code=code, client_ip=client_ip)
    except Exception as exc:
        OTP_VERIFIES.labels(outcome=outcome_of(exc)).inc()
        raise
    try:
        user, created = user_get_or_create(phone=phone)
        if not user.is_active:
            raise AccountDisabled
        invite_login_record(user=user, ip=client_ip)  # for the same-network check of referrals
        yield Login(user=user, created=created)
    except Exception as exc:
        OTP_VERIFIES.labels(outcome=outcome_of(exc)).inc()
        if isinstance(exc, INFRASTRUCTURE_ERRORS):
            try:
                otp_give_back(consumed)
            except INFRASTRUCTURE_ERRORS as down:
                logger.warning("login code of %s not given back: %s", phone_mask(phone), down)
        raise
    OTP_VERIFIES.labels(outcome="ok").inc()
    logger.debug("login of %s (new user: %s)", phone_mask(phone), created)


def login_limits_reset(*, phone: str) -> str:
    """Support: lift what stops a phone from logging in (cooldown, caps, attempts, wrong codes
    of the day). Returns the phone in E.164."""
    phone = phone_normalize(phone)
    otp_limits_reset(phone=phone)
    logger.info("login limits of %s reset", phone_mask(phone))
    return phone


def user_get_or_create(*, phone: str) -> tuple[User, bool]:
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    try:
        with transaction.atomic():
            user = User.objects.create_user(phone=phone)
            webhook_emit(
                event=USER_CREATED,
                data={
                    "phone": user.phone,
                    "invite_code": user.invite.code,
                    "date_joined": iso_8601(user.date_joined),
                },
            )
            return user, True
    except IntegrityError:
        # A concurrent login of the same phone created it first.
        return User.objects.get(phone=phone), False


def tokens_issue(*, user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)  # recorded as outstanding, so it can be revoked
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _revoke(token: RefreshToken) -> bool:
    """Blacklist `token`; False if it already was. The unique row decides between racers."""
    outstanding = OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM]).first()
    if outstanding is None:
        return False
    _blacklisted, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created


def tokens_refresh(*, refresh: str) -> TokenPair:
    """Trade a refresh token for a new pair; the old one stops working (rotation)."""
    failed = AuthenticationFailed(_("The refresh token is invalid, expired or revoked."))
    try:
        token = RefreshToken(refresh)  # checks signature, expiry and the blacklist
    except TokenError:
        raise failed from None
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not _revoke(token):
        raise failed
    return tokens_issue(user=user)


def tokens_revoke(*, user: User, refresh: str) -> None:
    """Log out: the refresh token stops working. Access tokens live out their short life."""
    invalid = ValidationError({"refresh": [_("This refresh token is invalid or was revoked.")]})
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise invalid from None
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk) or not _revoke(token):
        raise invalid
