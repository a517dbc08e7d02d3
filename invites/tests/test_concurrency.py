"""Concurrent activations, each on its own database connection, as concurrent requests are."""

import contextlib

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from invites.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle
from invites.models import InviteCode, Referral
from invites.selectors import invited_through
from invites.services import ACTIVATION_LOCK_ID, invite_activate, referral_review

pytestmark = pytest.mark.django_db(transaction=True)


def activate(user, code) -> str:
    try:
        invite_activate(user=user, code=code)
    except (InviteAlreadyActivated, InviteCycle) as refused:
        return refused.default_code
    return "ok"


def test_twenty_simultaneous_activations_by_one_user_leave_one(concurrently):
    user = UserFactory()
    inviters = [UserFactory() for _ in range(20)]
    results = concurrently(lambda inviter: activate(user, inviter.invite.code), inviters)
    assert results.count("ok") == 1
    assert set(results) == {"ok", "invite_already_activated"}
    [referral] = Referral.objects.filter(invitee=user)
    counts = dict(
        InviteCode.objects.filter(user__in=inviters).values_list("user_id", "referrals_count")
    )
    assert sum(counts.values()) == 1
    assert counts[referral.inviter_id] == 1


def test_two_users_taking_each_others_code_at_once_leave_at_most_one(concurrently):
    for _ in range(5):  # the race is decided differently from run to run; try it a few times
        a, b = UserFactory(), UserFactory()
        results = concurrently(
            lambda pair: activate(*pair), [(a, b.invite.code), (b, a.invite.code)]
        )
        assert results.count("ok") == 1
        assert Referral.objects.filter(invitee__in=[a, b]).count() == 1


def test_a_ring_of_simultaneous_activations_cannot_close_a_cycle(concurrently):
    for _ in range(5):
        ring = [UserFactory() for _ in range(4)]
        # Each takes the next one's code: all four together would make a cycle of length 4.
        pairs = [(user, ring[(i + 1) % 4].invite.code) for i, user in enumerate(ring)]
        results = concurrently(lambda pair: activate(*pair), pairs)
        assert sorted(results) == ["invite_cycle", "ok", "ok", "ok"]
        for user in ring:
            assert not invited_through(user=user, ancestor=user)


def test_the_count_stays_exact_under_concurrent_activations_and_review_decisions(
    concurrently, settings
):
    """Reviews and activations of one code at once: the count is always the number of the
    code's referrals that are not rejected."""
    settings.REFERRAL_MAX_PER_HOUR = 5  # some of the new ones go to review, as in real life
    inviter = UserFactory()
    existing = [invite_activate(user=UserFactory(), code=inviter.invite.code) for _ in range(12)]
    newcomers = [UserFactory() for _ in range(12)]
    decisions = ["reject", "reject", "confirm", "restore"] * 3
    jobs = [("activate", user) for user in newcomers] + [
        ("review", (referral, decision))
        for referral, decision in zip(existing, decisions, strict=True)
    ]
    # Each existing referral also meets a second decision at the same moment.
    jobs += [("review", (referral, "reject")) for referral in existing[::3]]

    def run(job):
        kind, item = job
        if kind == "activate":
            return activate(item, inviter.invite.code)
        referral, decision = item
        return referral_review(referral_id=referral.pk, decision=decision) is not None

    for _ in range(3):
        concurrently(run, jobs)
        listed = Referral.objects.filter(inviter=inviter).exclude(status="rejected").count()
        assert InviteCode.objects.get(pk=inviter.pk).referrals_count == listed
        # The next round restores and confirms what this one rejected, and so on.
        jobs = [
            ("review", (r, d))
            for r in Referral.objects.filter(inviter=inviter).order_by("?")[:10]
            for d in ("restore", "reject")
        ]
    assert Referral.objects.filter(inviter=inviter).count() == 24


def advisory_locks_held() -> list[int]:
    """The advisory locks this database session holds (a bigint key is classid:objid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
        )
        return [key for (key,) in cursor.fetchall()]


def test_the_activation_lock_is_held_until_the_transaction_commits_and_not_beyond():
    """Behind PgBouncer in transaction pooling, the next transaction of this client may run on
    another server connection: a lock that outlived its transaction (a session-level
    pg_advisory_lock) would stay on a server connection that nobody unlocks, and block every
    activation after it. One released before the transaction ends would let a concurrent
    activation read what this one has not committed yet."""
    inviter, user = UserFactory(), UserFactory()
    with transaction.atomic():  # the caller's own transaction: the activation is a savepoint
        invite_activate(user=user, code=inviter.invite.code)
        assert advisory_locks_held() == [ACTIVATION_LOCK_ID]
    assert advisory_locks_held() == []


@pytest.mark.parametrize("code", ["inviter's", "ZZZZZZ"])
def test_no_lock_is_left_behind_by_an_activation_or_a_refusal(code):
    inviter, user = UserFactory(), UserFactory()
    with contextlib.suppress(InviteCodeNotFound):
        invite_activate(user=user, code=inviter.invite.code if code == "inviter's" else code)
    assert advisory_locks_held() == []
