"""Bulk test data: inviters with many referrals, for benchmarks and for trying the admin."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from invites.codes import invite_code_generate
from invites.models import InviteCode, Referral

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

    with transaction.atomic():
        inviters = new_users(users)
        for inviter in inviters:
            for start in range(0, referrals_per_user, batch_size):
                chunk = range(start, min(start + batch_size, referrals_per_user))
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
