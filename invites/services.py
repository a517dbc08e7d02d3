"""Writes: giving a user its invite code, and activating someone else's."""

import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from invites.codes import invite_code_normalize
from invites.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle, OwnInviteCode
from invites.models import InviteCode, Referral
from invites.selectors import invited_through
from sms.phones import phone_mask

logger = logging.getLogger(__name__)

# A new code collides with probability n / 31**6 per draw; a few draws always suffice.
INVITE_CODE_DRAWS = 5

# One PostgreSQL advisory lock serialises every activation: a cycle can close through any
# number of users at once (A takes B's code while B takes C's and C takes A's), so per-row
# locks on the two users involved would not stop it. Activations are rare and quick.
ACTIVATION_LOCK_ID = 0x1A7_17E5


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


def _serialise_activations() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACTIVATION_LOCK_ID])
    # SQLite (the embedded default) opens every transaction with BEGIN IMMEDIATE: one writer.


def invite_activate(*, user, code: str) -> Referral:
    """`user` activates the invite code `code` (any case, spaces around it ignored).

    The checks answer in the contract's order: already activated, no such code, own code,
    cycle. They and the write happen under one lock, so concurrent activations cannot slip
    past each other; the one-per-user rule is also a unique constraint in the database.
    """
    code = invite_code_normalize(code)
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
        referral = Referral.objects.create(invitee=user, inviter=inviter)
        InviteCode.objects.filter(pk=owner.pk).update(referrals_count=F("referrals_count") + 1)
    logger.debug(
        "%s activated the invite code of %s", phone_mask(user.phone), phone_mask(inviter.phone)
    )
    return referral
