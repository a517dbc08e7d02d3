"""Login by phone: send a code, check it, find or create the user, issue and revoke JWTs."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.errors import AccountDisabled
from accounts.models import User
from accounts.otp import otp_consume, otp_issue
from invites.services import invite_login_record
from project.fields import iso_8601
from sms.phones import phone_mask, phone_normalize
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
class TokenPair:
    access: str
    refresh: str


def code_send(*, phone: str) -> CodeSent:
    """Send a new login code to `phone` by SMS; the SMS itself goes out from a Celery worker."""
    phone = phone_normalize(phone)
    with otp_issue(phone=phone) as issued:
        text = _("Your code: %(code)s. It is valid for %(minutes)s minutes.") % {
            "code": issued.code,
            "minutes": max(1, issued.expires_in // 60),
        }
        sms_enqueue(phone=phone, text=text, expires_in=issued.expires_in)
    logger.debug("login code sent to %s", phone_mask(phone))
    return CodeSent(phone=phone, expires_in=issued.expires_in, resend_in=issued.resend_in)


def code_verify(*, phone: str, code: str, ip: str | None = None) -> tuple[User, bool]:
    """Log in with a code from the client address `ip`: returns the user, and whether this
    login created it."""
    phone = phone_normalize(phone)
    otp_consume(phone=phone, code=code)
    user, created = user_get_or_create(phone=phone)
    if not user.is_active:
        raise AccountDisabled
    invite_login_record(user=user, ip=ip)  # for the same-network check of referrals
    logger.debug("login of %s (new user: %s)", phone_mask(phone), created)
    return user, created


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
