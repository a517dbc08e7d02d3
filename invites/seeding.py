"""Bulk test data: inviters with many referrals, for benchmarks and for trying the admin."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from invites.codes import invite_code_generate
from invites.models import InviteCode, Referral, ReferralStatus
from project.postgresql.base import unbounded_transaction

# Seeded phones are +7 999 NNN-NN-NN, numbered after the highest one already seeded.
SEED_PREFIX = "+7999"


@dataclass(frozen=True)
class Seeded:
    inviters: list  # users, each with its `invite` (code and count) at hand
    referrals: int


def _free_invite_codes(count: int) -> list[str]:
    """`count` fresh invite codes, unique among themselves and not yet taken in the database."""
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {invite_code_generate() for _ in range(count - len(codes))} - codes
        taken = InviteCode.objects.filter(code__in=drawn).values_list("code", flat=True)
        codes |= drawn - set(taken)
    return list(codes)


def _phones(count: int) -> list[str]:
    last = (
        get_user_model()
        .objects.filter(phone__startswith=SEED_PREFIX)
        .order_by("-phone")
        .values_list("phone", flat=True)
        .first()
    )
    start = int(last[len(SEED_PREFIX) :]) + 1 if last else 0
    if start + count > 10_000_000:
        raise ValueError("the seeded phone range is full")
    return [f"{SEED_PREFIX}{n:07d}" for n in range(start, start + count)]


def _invitees_insert(
    *, inviter, phones: list[str], codes: list[str], times: list[datetime], password: str
) -> None:
    """PostgreSQL: a batch of new users, their invite codes and their activations of
    `inviter`'s code, in one statement from arrays. No model instances: building a million of
    them is most of the time the ORM takes (seeding 1,000,000 referrals: minutes, not 20).

    Every other column of the user gets its field's default, as the ORM would give it.
    """
    User = get_user_model()
    quote = connection.ops.quote_name
    params: dict = {"phones": phones, "codes": codes, "times": times, "inviter": inviter.pk}
    columns, values = [], []
    for field in User._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.name == User.USERNAME_FIELD:
            values.append("batch.phone")
        elif field.name == "password":
            params["password"] = password
            values.append("%(password)s")
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    params["status"] = ReferralStatus.ACTIVE.value
    code_user = InviteCode._meta.get_field("user").column
    sql = f"""
        WITH batch AS (
            SELECT * FROM unnest(%(phones)s::text[], %(codes)s::text[], %(times)s::timestamptz[])
                AS b(phone, code, activated_at)
        ), users AS (
            INSERT INTO {quote(User._meta.db_table)} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM batch
            RETURNING {quote(User._meta.pk.column)} AS id,
                {quote(User._meta.get_field(User.USERNAME_FIELD).column)} AS phone
        ), codes AS (
            INSERT INTO {quote(InviteCode._meta.db_table)}
                ({quote(code_user)}, code, referrals_count)
            SELECT users.id, batch.code, 0 FROM users JOIN batch USING (phone)
        )
        INSERT INTO {quote(Referral._meta.db_table)}
            (invitee_id, inviter_id, activated_at, status, flags)
        SELECT users.id, %(inviter)s, batch.activated_at, %(status)s, '[]'::jsonb
        FROM users JOIN batch USING (phone)
    """  # noqa: S608 - table and column names are the models' own, the values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def referrals_seed(*, users: int, referrals_per_user: int, batch_size: int = 5_000) -> Seeded:
    """Create `users` inviters, each with `referrals_per_user` users who activated its code.

    Bulk inserts of `batch_size` rows; activations one second apart, the last one now.
    """
    User = get_user_model()
    phones = iter(_phones(users * (1 + referrals_per_user)))
    password = make_password(None)  # unusable, like every phone user's
    now = timezone.now()

    def new_users(count: int) -> list:
        created = User.objects.bulk_create(
            [User(phone=next(phones), password=password) for _ in range(count)]
        )
        InviteCode.objects.bulk_create(
            [
                InviteCode(user=user, code=code)  # also sets user.invite
                for user, code in zip(created, _free_invite_codes(count), strict=True)
            ]
        )
        return created

    # One transaction, without the query bounds: its COMMIT checks every row's foreign keys.
    with unbounded_transaction():
        inviters = new_users(users)
        for inviter in inviters:
            for start in range(0, referrals_per_user, batch_size):
                chunk = range(start, min(start + batch_size, referrals_per_user))
                if connection.vendor == "postgresql":
                    _invitees_insert(
                        inviter=inviter,
                        phones=[next(phones) for _ in chunk],
                        codes=_free_invite_codes(len(chunk)),
                        times=[now - timedelta(seconds=referrals_per_user - n) for n in chunk],
                        password=password,
                    )
                    continue
                invitees = new_users(len(chunk))
                Referral.objects.bulk_create(
                    [
                        Referral(
                            invitee=invitee,
                            inviter=inviter,
                            activated_at=now - timedelta(seconds=referrals_per_user - n),
                        )
                        for n, invitee in zip(chunk, invitees, strict=True)
                    ]
                )
        InviteCode.objects.filter(user__in=inviters).update(referrals_count=referrals_per_user)
    for inviter in inviters:
        inviter.invite.referrals_count = referrals_per_user
    return Seeded(inviters=inviters, referrals=users * referrals_per_user)
