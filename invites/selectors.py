"""Reads: a user's profile, their referrals, the chain of inviters above a user, and the
programme's numbers (activations per day, the leaderboard, the CSV export's rows)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db import connection
from django.db.models import Count, F, QuerySet, TextField
from django.db.models.functions import Cast, TruncDate

from invites.links import referral_link
from invites.models import NEWEST_FIRST, OLDEST_FIRST, InviteCode, Referral, ReferralStatus

REFERRALS_IN_PROFILE = 100


@dataclass(frozen=True)
class Profile:
    phone: str
    invite_code: str
    activated_invite_code: str | None
    invited_by: str | None
    date_joined: datetime
    referrals_count: int
    referrals: list[dict]  # {"phone", "activated_at", "status"}, newest first
    referral_link: str


def counted_referrals() -> QuerySet:
    """Referrals that are listed and counted: all but the rejected ones."""
    return Referral.objects.exclude(status=ReferralStatus.REJECTED)


def referrals_of(*, user) -> QuerySet:
    """The users who activated `user`'s code, newest first (ties broken by id), but those
    whose referral was rejected.

    Rows of `{"phone", "activated_at", "status"}`: lists of them are long, and model
    instances would cost more than the rest of the answer. The API's list, the profile and
    the page read them in this one order, which the index on Referral serves.
    """
    return (
        counted_referrals()
        .filter(inviter_id=user.pk)
        .order_by(*NEWEST_FIRST)
        .values("activated_at", "status", phone=F("invitee__phone"))
    )


def profile_get(*, user, base_url: str, newest: int = REFERRALS_IN_PROFILE) -> Profile:
    """Two queries, whatever the number of referrals: the user's code with the code they
    activated, and the `newest` referrals (none asked for, no query: the web page lists
    them a page at a time instead). The referral link is built on `base_url`
    (invites.links.site_url)."""
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
        referral_link=referral_link(base_url=base_url, invite_code=own["code"]),
    )


def profile_of_new_user(*, user, base_url: str) -> Profile:
    """The profile of a user created a moment ago (`user.invite` the code just issued), with
    no query: nobody can have activated a code that was drawn in this request, and the user
    has activated none. What profile_get would read, as a login that creates the user answers
    it."""
    return Profile(
        phone=user.phone,
        invite_code=user.invite.code,
        activated_invite_code=None,
        invited_by=None,
        date_joined=user.date_joined,
        referrals_count=0,
        referrals=[],
        referral_link=referral_link(base_url=base_url, invite_code=user.invite.code),
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


@dataclass(frozen=True)
class DayCount:
    date: date
    count: int


def local_today(zone: tzinfo) -> date:
    return datetime.now(zone).date()


def activations_per_day(
    *, first: date, last: date, zone: tzinfo, inviter_id: int | None = None
) -> list[DayCount]:
    """Activations (rejected ones left out) per calendar day in `zone`, from `first` to `last`
    inclusive, every day present, oldest first; of one inviter's code, or of all.

    One grouped query; PostgreSQL turns the times into dates in the zone (AT TIME ZONE).
    """
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    referrals = counted_referrals().filter(activated_at__gte=start, activated_at__lt=end)
    if inviter_id is not None:
        referrals = referrals.filter(inviter_id=inviter_id)
    counts = dict(
        referrals.annotate(day=TruncDate("activated_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("id"))
        .order_by("day")
        .values_list("day", "count")
    )
    days = (last - first).days + 1
    return [
        DayCount(date=day, count=counts.get(day, 0))
        for day in (first + timedelta(days=n) for n in range(days))
    ]


def top_inviters(*, first: date, last: date, zone: tzinfo, limit: int = 20) -> list[dict]:
    """The inviters whose code was activated most from `first` to `last` (dates in `zone`),
    rejected referrals left out: `{"inviter_id", "phone", "invite_code", "count"}`, most
    first. One grouped query over the period (the index on activated_at serves it)."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return list(
        counted_referrals()
        .filter(activated_at__gte=start, activated_at__lt=end)
        .values("inviter_id")
        .annotate(
            count=Count("id"),
            phone=F("inviter__phone"),
            invite_code=F("inviter__invite__code"),
        )
        .order_by("-count", "inviter_id")[:limit]
    )


EXPORT_FIELDS = ("id", "activated_at", "inviter__phone", "invitee__phone", "status", "flags_json")


def referrals_export_rows(*, chunk_size: int = 5_000) -> Iterator[tuple]:
    """Every referral, oldest first: `(id, activated_at, inviter phone, invitee phone,
    status, flags as JSON text)` (decoding JSON for every row would cost more than the rest:
    almost every list is empty, "[]").

    Read in keyset pages of `chunk_size` rows, each one short query that resumes after the
    last row of the one before, (activated_at, id) > (last, last id), on the index of that
    order: memory stays one page whatever the total, and no server-side cursor is needed
    (a transaction-pooling PgBouncer allows none) nor a transaction held open while a
    client reads a slow download.
    """
    after: tuple | None = None
    while True:
        page = Referral.objects.order_by(*OLDEST_FIRST)
        if after is not None:
            at, pk = after
            # (a, id) > (at, pk), written so that `activated_at >= at` bounds the index scan.
            page = page.filter(activated_at__gte=at).exclude(activated_at=at, id__lte=pk)
        rows = list(
            page.annotate(flags_json=Cast("flags", output_field=TextField())).values_list(
                *EXPORT_FIELDS
            )[:chunk_size]
        )
        yield from rows
        if len(rows) < chunk_size:
            return
        after = (rows[-1][1], rows[-1][0])
