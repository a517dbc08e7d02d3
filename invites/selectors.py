"""Reads: a user's profile, their referrals, and the chain of inviters above a user."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User
from invites.models import Referral

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


def referrals_of(*, user: User) -> QuerySet:
    """The users who activated `user`'s code, newest first (ties broken by id).

    Rows of `{"phone", "activated_at"}`: lists of them are long, and model instances would
    cost more than the rest of the answer.
    """
    return (
        Referral.objects.filter(inviter_id=user.pk)
        .order_by("-activated_at", "-id")
        .values("activated_at", phone=F("invitee__phone"))
    )


# The profile runs on every call of a logged-in client. Its two reads are plain SQL: the ORM
# spends several times longer building these queries than the database spends answering them.
_INVITER_SQL = """
    SELECT inviter.invite_code, inviter.phone
    FROM {referral} referral JOIN {user} inviter ON inviter.id = referral.inviter_id
    WHERE referral.invitee_id = %s
"""
_NEWEST_REFERRALS_SQL = """
    SELECT invitee.phone, referral.activated_at
    FROM {referral} referral JOIN {user} invitee ON invitee.id = referral.invitee_id
    WHERE referral.inviter_id = %s
    ORDER BY referral.activated_at DESC, referral.id DESC
    LIMIT %s
"""


def _fetch(sql: str, params: list) -> list[tuple]:
    tables = {"referral": Referral._meta.db_table, "user": User._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**tables), params)
        return cursor.fetchall()


def _aware(moment: datetime) -> datetime:
    # PostgreSQL answers aware datetimes; SQLite (the embedded default) naive ones, in UTC.
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def profile_get(*, user: User, newest: int = REFERRALS_IN_PROFILE) -> Profile:
    """Two queries, whatever the number of referrals: the inviter, and the `newest` referrals
    (none asked for, no query: the web page lists them a page at a time instead)."""
    [(activated_code, invited_by)] = _fetch(_INVITER_SQL, [user.pk]) or [(None, None)]
    rows = _fetch(_NEWEST_REFERRALS_SQL, [user.pk, newest]) if newest else []
    return Profile(
        phone=user.phone,
        invite_code=user.invite_code,
        activated_invite_code=activated_code,
        invited_by=invited_by,
        date_joined=user.date_joined,
        referrals_count=user.referrals_count,
        referrals=[{"phone": phone, "activated_at": _aware(at)} for phone, at in rows],
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
