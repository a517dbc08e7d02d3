"""Writes: activating someone's invite code."""

import logging

from django.db import connection, transaction
from django.db.models import F

from accounts.models import User
from accounts.phones import phone_mask
from invites.codes import invite_code_normalize
from invites.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle, OwnInviteCode
from invites.models import Referral
from invites.selectors import invited_through

logger = logging.getLogger(__name__)

# One PostgreSQL advisory lock serialises every activation: a cycle can close through any
# number of users at once (A takes B's code while B takes C's and C takes A's), so per-row
# locks on the two users involved would not stop it. Activations are rare and quick.
ACTIVATION_LOCK_ID = 0x1A7_17E5


def _serialise_activations() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACTIVATION_LOCK_ID])
    # SQLite (the embedded default) opens every transaction with BEGIN IMMEDIATE: one writer.


def invite_activate(*, user: User, code: str) -> Referral:
    """`user` activates the invite code `code` (any case, spaces around it ignored).

    The checks answer in the contract's order: already activated, no such code, own code,
    cycle. They and the write happen under one lock, so concurrent activations cannot slip
    past each other; the one-per-user rule is also a unique constraint in the database.
    """
    code = invite_code_normalize(code)
    with transaction.atomic():
        _serialise_activations()
        existing = Referral.objects.filter(invitee=user).select_related("inviter").first()
        if existing is not None:
            raise InviteAlreadyActivated(activated_invite_code=existing.inviter.invite_code)
        inviter = User.objects.filter(invite_code=code).first()
        if inviter is None:
            raise InviteCodeNotFound(invite_code=code)
        if inviter.pk == user.pk:
            raise OwnInviteCode
        if invited_through(user=inviter, ancestor=user):
            raise InviteCycle
        referral = Referral.objects.create(invitee=user, inviter=inviter)
        User.objects.filter(pk=inviter.pk).update(referrals_count=F("referrals_count") + 1)
    logger.debug(
        "%s activated the invite code of %s", phone_mask(user.phone), phone_mask(inviter.phone)
    )
    return referral
