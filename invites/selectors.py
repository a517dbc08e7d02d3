"""Reads: a user's profile, their referrals, and the chain of inviters above a user."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F, QuerySet

from invites.models import NEWEST_FIRST, InviteCode, Referral

REFERRALS_IN_PROFILE = 100


@dataclass(frozen=True)
class Profile:
    phone: str
    invite_code: str
    activated_invite_code: str | None
    invited_by: str | None
    date_joined: datetime
    referrals_count: int
    referrals: list[dict]  # {"phone", "activated_at"}, newest first


def referrals_of(*, user) -> QuerySet:
    """The users who activated `user`'s code, newest first (ties broken by id).

    Rows of `{"phone", "activated_at"}`: lists of them are long, and model instances would
    cost more than the rest of the answer. The API's list, the profile, the page and the
    admin all read them in this one order, which the index on Referral serves.
    """
    return (
        Referral.objects.filter(inviter_id=user.pk)
        .order_by(*NEWEST_FIRST)
        .values("activated_at", phone=F("invitee__phone"))
    )


def profile_get(*, user, newest: int = REFERRALS_IN_PROFILE) -> Profile:
    """Two queries, whatever the number of referrals: the user's code with the code they
    activated, and the `newest` referrals (none asked for, no query: the web page lists
    them a page at a time instead)."""
    own = (
        InviteCode.objects.filter(user_id=user.pk)
        .values(
            "code",
            "referrals_count",
            activated_invite_code=F("user__referral__inviter__invite__code"),
            invited_by=F("user__referral__inviter__phone"),
        )
        .get()
    )
    return Profile(
        phone=user.phone,
        invite_code=own["code"],
        activated_invite_code=own["activated_invite_code"],
        invited_by=own["invited_by"],
        date_joined=user.date_joined,
        referrals_count=own["referrals_count"],
        referrals=list(referrals_of(user=user)[:newest]) if newest else [],
    )


def invited_through(*, user, ancestor) -> bool:
    """Whether `ancestor` invited `user`, directly or through others.

    Walks up the chain of inviters (each user has at most one), so its cost is the depth of
    `user`, not the size of anyone's referral tree. A recursive query: the ORM has none.
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
