"""Writes: giving a user its invite code, activating someone else's, reviewing referrals."""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError

from invites.codes import invite_code_is_valid, invite_code_normalize, validate_invite_code
from invites.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle, OwnInviteCode
from invites.metrics import ACTIVATIONS
from invites.models import COUNTED_STATUSES, InviteCode, Referral, ReferralFlag, ReferralStatus
from invites.selectors import invited_through
from project.exceptions import error_code
from project.fields import iso_8601
from project.limits import FailureLimit
from sms.phones import phone_mask
from webhooks.services import webhook_emit

logger = logging.getLogger(__name__)

# A new code collides with probability n / 31**6 per draw; a few draws always suffice.
INVITE_CODE_DRAWS = 5

# One PostgreSQL advisory lock serialises every activation: a cycle can close through any
# number of users at once (A takes B's code while B takes C's and C takes A's), so per-row
# locks on the two users involved would not stop it. Activations are rare and quick.
ACTIVATION_LOCK_ID = 0x1A7_17E5

# "The same network": the invitee's address in the inviter's IPv4 /24 or IPv6 /64.
SAME_NETWORK_PREFIX = {4: 24, 6: 64}
BURST_WINDOW = timedelta(hours=1)
FAILED_GUESS_WINDOW_SECONDS = 3600


def invite_code_issue(*, user) -> InviteCode:
    """Give `user` its own invite code, drawn with `secrets`; a collision draws again."""
    for _draw in range(INVITE_CODE_DRAWS):
        try:
            with transaction.atomic():
                return InviteCode.objects.create(user=user)
        except IntegrityError:
            issued = InviteCode.objects.filter(user=user).first()
            if issued is not None:  # a concurrent call gave it one: that is the code
                return issued
    raise RuntimeError(f"no free invite code after {INVITE_CODE_DRAWS} draws")


def ip_clean(raw: str | None) -> str | None:
    """An address as stored: IPv4-mapped IPv6 as IPv4; None for anything that is no address
    (X-Forwarded-For is whatever the client or proxy wrote)."""
    try:
        address = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def same_network(a: str, b: str) -> bool:
    first, second = ipaddress.ip_address(a), ipaddress.ip_address(b)
    if first.version != second.version:
        return False
    prefix = SAME_NETWORK_PREFIX[first.version]
    return ipaddress.ip_network(f"{first}/{prefix}", strict=False) == ipaddress.ip_network(
        f"{second}/{prefix}", strict=False
    )


def invite_login_record(*, user, ip: str | None) -> None:
    """Remember the address of `user`'s login, for the same-network check of activations of
    their code. One UPDATE by primary key, and none when the address did not change."""
    ip = ip_clean(ip)
    if ip is None:
        return
    InviteCode.objects.filter(pk=user.pk).exclude(last_login_ip=ip).update(last_login_ip=ip)


def _serialise_activations() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACTIVATION_LOCK_ID])
    # SQLite (the embedded default) opens every transaction with BEGIN IMMEDIATE: one writer.


def _fraud_flags(*, ip: str | None, inviter_ip: str | None, inviter_id: int, now) -> list[str]:
    flags = []
    if ip and inviter_ip and same_network(ip, inviter_ip):
        flags.append(ReferralFlag.SAME_NETWORK.value)
    # Runs under the activation lock, so concurrent activations of one code count each other.
    recent = Referral.objects.filter(inviter_id=inviter_id, activated_at__gt=now - BURST_WINDOW)
    if recent.count() >= settings.REFERRAL_MAX_PER_HOUR:
        flags.append(ReferralFlag.BURST.value)
    return flags


def _failed_guesses(user) -> FailureLimit:
    return FailureLimit(
        "invite_code_not_found",
        str(user.pk),
        limit=settings.INVITE_MAX_FAILED_PER_HOUR,
        seconds=FAILED_GUESS_WINDOW_SECONDS,
    )


def invite_activate(*, user, code: str, ip: str | None = None) -> Referral:
    """`user` activates the invite code `code` (any case, spaces around it ignored) from the
    client address `ip`.

    The checks answer in the contract's order: malformed, already activated, no such code,
    own code, cycle. They and the write happen under one lock, so concurrent activations
    cannot slip past each other; the one-per-user rule is also a unique constraint in the
    database. Past INVITE_MAX_FAILED_PER_HOUR codes not found in the moving hour, every
    activation of the user answers 429 (guessing codes would show their owners' phones).
    A flagged activation (same network as the inviter's last login, or a burst on the code)
    succeeds, counted, as `pending_review`.
    """
    try:
        referral = _activate_limited(user=user, code=code, ip=ip)
    except APIException as refused:
        _activation_outcome(error_code(refused), user=user)
        raise
    _activation_outcome("ok", user=user, referral=referral)
    return referral


def _activation_outcome(outcome: str, *, user, referral: Referral | None = None) -> None:
    """Every activation ends here once, `ok` or its error code: the one place to count them."""
    ACTIVATIONS.labels(outcome=outcome).inc()
    if referral is None:
        logger.debug("%s: invite activation refused: %s", phone_mask(user.phone), outcome)
        return
    logger.debug(
        "%s activated the invite code of %s (%s)",
        phone_mask(user.phone),
        phone_mask(referral.inviter.phone),
        referral.status,
        extra={"outcome": outcome, "status": referral.status, "flags": referral.flags},
    )


def _activate_limited(*, user, code: str, ip: str | None) -> Referral:
    code = invite_code_normalize(code)
    if not invite_code_is_valid(code):
        raise ValidationError({"invite_code": [validate_invite_code.message]})
    guesses = _failed_guesses(user)
    guesses.check()
    try:
        return _activate(user=user, code=code, ip=ip_clean(ip))
    except InviteCodeNotFound:
        guesses.record()  # past the limit this raises 429 instead, and the miss is not counted
        raise


def _activate(*, user, code: str, ip: str | None) -> Referral:
    with transaction.atomic():
        _serialise_activations()
        existing = Referral.objects.filter(invitee=user).values("inviter__invite__code").first()
        if existing is not None:
            raise InviteAlreadyActivated(activated_invite_code=existing["inviter__invite__code"])
        # A deactivated user's code is no code at all: it must not show their phone to anyone.
        owner = (
            InviteCode.objects.filter(code=code, user__is_active=True)
            .select_related("user")
            .first()
        )
        if owner is None:
            raise InviteCodeNotFound(invite_code=code)
        inviter = owner.user
        if inviter.pk == user.pk:
            raise OwnInviteCode
        if invited_through(user=inviter, ancestor=user):
            raise InviteCycle
        now = timezone.now()
        flags = _fraud_flags(ip=ip, inviter_ip=owner.last_login_ip, inviter_id=inviter.pk, now=now)
        referral = Referral.objects.create(
            invitee=user,
            inviter=inviter,
            activated_at=now,
            status=ReferralStatus.PENDING_REVIEW if flags else ReferralStatus.ACTIVE,
            ip=ip,
            inviter_ip=owner.last_login_ip,
            flags=flags,
        )
        # A referral in review is counted too: it leaves the count only when rejected.
        InviteCode.objects.filter(pk=owner.pk).update(referrals_count=F("referrals_count") + 1)
        webhook_emit(
            event="invite.activated",
            data={
                "invitee": user.phone,
                "inviter": inviter.phone,
                "invite_code": code,
                "activated_at": iso_8601(now),
                "status": referral.status,
            },
        )
    return referral


# What each review decision does: the statuses it applies to, and the status it sets.
# Restoring a rejected referral gives it back what its activation decided.
REVIEW_DECISIONS = {
    "confirm": ({ReferralStatus.PENDING_REVIEW}, lambda referral: ReferralStatus.ACTIVE),
    "reject": (set(COUNTED_STATUSES), lambda referral: ReferralStatus.REJECTED),
    "restore": (
        {ReferralStatus.REJECTED},
        lambda referral: ReferralStatus.PENDING_REVIEW if referral.flags else ReferralStatus.ACTIVE,
    ),
}


@dataclass(frozen=True)
class Reviewed:
    referral: Referral
    before: str
    after: str


def referral_review(*, referral_id: int, decision: str) -> Reviewed | None:
    """An operator's decision on a referral: "confirm", "reject" or "restore".

    None when the decision does not apply to the referral's status (confirming an active
    one, restoring one that is not rejected). The referral's row is locked while its status
    changes, and the inviter's count moves by an atomic increment in the same transaction,
    so concurrent decisions and activations leave it exactly the active and pending ones.
    """
    applies_to, target = REVIEW_DECISIONS[decision]
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("invitee", "inviter")
            .get(pk=referral_id)
        )
        if referral.status not in applies_to:
            return None
        before, was_counted = referral.status, referral.counted
        referral.status = target(referral)
        referral.save(update_fields=["status"])
        change = int(referral.counted) - int(was_counted)
        if change:
            InviteCode.objects.filter(pk=referral.inviter_id).update(
                referrals_count=F("referrals_count") + change
            )
        webhook_emit(
            event="referral.reviewed",
            data={
                "invitee": referral.invitee.phone,
                "inviter": referral.inviter.phone,
                "status": referral.status,
            },
        )
    logger.info(
        "referral of %s by %s: %s -> %s",
        phone_mask(referral.invitee.phone),
        phone_mask(referral.inviter.phone),
        before,
        referral.status,
    )
    return Reviewed(referral=referral, before=before, after=referral.status)
