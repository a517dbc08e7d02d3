"""Reads: a user's profile, their referrals, and the chain of inviters above a user."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from accounts.models import User
from invites.models import Referral

REFERRALS_IN_PROFILE = 100


@dataclass(frozen=True)
class ReferralEntry:
    phone: str
    activated_at: datetime


@dataclass(frozen=True)
class Profile:
    phone: str
    invite_code: str
    activated_invite_code: str | None
    invited_by: str | None
    date_joined: datetime
    referrals_count: int
    referrals: list[ReferralEntry]


def referrals_of(*, user: User) -> QuerySet[Referral]:
    """The users who activated `user`'s code, newest first (ties broken by id)."""
    return (
        Referral.objects.filter(inviter=user)
        .select_related("invitee")
        .only("activated_at", "invitee__phone")
        .order_by("-activated_at", "-id")
    )


def profile_get(*, user: User) -> Profile:
    """Two queries, whatever the number of referrals: the inviter, and the newest referrals."""
    referral = (
        Referral.objects.filter(invitee=user)
        .select_related("inviter")
        .only("inviter__phone", "inviter__invite_code")
        .first()
    )
    newest = referrals_of(user=user)[:REFERRALS_IN_PROFILE]
    return Profile(
        phone=user.phone,
        invite_code=user.invite_code,
        activated_invite_code=referral.inviter.invite_code if referral else None,
        invited_by=referral.inviter.phone if referral else None,
        date_joined=user.date_joined,
        referrals_count=user.referrals_count,
        referrals=[ReferralEntry(r.invitee.phone, r.activated_at) for r in newest],
    )


def invited_through(*, user: User, ancestor: User) -> bool:
    """Whether `ancestor` invited `user`, directly or through others.

    Walks up the chain of inviters (each user has at most one), so its cost is the depth of
    `user`, not the size of anyone's referral tree.
    """
    table = Referral._meta.db_table
    sql = f"""
        WITH RECURSIVE chain(user_id) AS (
            SELECT inviter_id FROM {table} WHERE invitee_id = %s
            UNION
            SELECT r.inviter_id FROM {table} r JOIN chain c ON r.invitee_id = c.user_id
        )
        SELECT EXISTS (SELECT 1 FROM chain WHERE user_id = %s)
    """  # noqa: S608 - the table name is ours, the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, ancestor.pk])
        return bool(cursor.fetchone()[0])
