"""Activation rules, on the real PostgreSQL: existence, once ever, not one's own, no cycles."""

import itertools

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from invites.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle, OwnInviteCode
from invites.models import Referral
from invites.selectors import invited_through, profile_get, profile_of_new_user
from invites.services import invite_activate

pytestmark = pytest.mark.django_db

SITE = "https://referral.example.com"


def test_activating_a_code_links_the_users_and_counts_the_referral():
    inviter, user = UserFactory(), UserFactory()
    referral = invite_activate(user=user, code=inviter.invite.code)
    assert (referral.invitee, referral.inviter) == (user, inviter)
    inviter.refresh_from_db()
    assert inviter.invite.referrals_count == 1
    profile = profile_get(user=user, base_url=SITE)
    assert profile.activated_invite_code == inviter.invite.code
    assert profile.invited_by == inviter.phone


def test_a_new_users_profile_built_without_queries_is_the_one_the_database_gives(
    django_assert_num_queries,
):
    user = User.objects.create_user(phone="+79161234567")
    with django_assert_num_queries(0):
        built = profile_of_new_user(user=user, base_url=SITE)
    assert built == profile_get(user=User.objects.get(pk=user.pk), base_url=SITE)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "  {lower}  ", "\t{code}\n"])
def test_case_and_surrounding_spaces_do_not_matter(typed):
    inviter, user = UserFactory(), UserFactory()
    code = inviter.invite.code
    invite_activate(user=user, code=typed.format(code=code, lower=code.lower()))
    assert Referral.objects.get(invitee=user).inviter == inviter


def test_an_unknown_code_is_not_found():
    with pytest.raises(InviteCodeNotFound) as caught:
        invite_activate(user=UserFactory(), code="zzzzzz")
    assert caught.value.fields == {"invite_code": "ZZZZZZ"}


def test_ones_own_code_is_refused():
    user = UserFactory()
    with pytest.raises(OwnInviteCode):
        invite_activate(user=user, code=user.invite.code)
    assert not Referral.objects.exists()


def test_a_second_activation_is_refused_and_names_the_first_code():
    first, second, user = UserFactory(), UserFactory(), UserFactory()
    invite_activate(user=user, code=first.invite.code)
    with pytest.raises(InviteAlreadyActivated) as caught:
        invite_activate(user=user, code=second.invite.code)
    assert caught.value.fields == {"activated_invite_code": first.invite.code}
    second.refresh_from_db()
    assert second.invite.referrals_count == 0


def test_already_activated_answers_before_not_found_and_own_code():
    inviter, user = UserFactory(), UserFactory()
    invite_activate(user=user, code=inviter.invite.code)
    for code in ["ZZZZZZ", user.invite.code]:
        with pytest.raises(InviteAlreadyActivated):
            invite_activate(user=user, code=code)


def test_taking_the_code_of_ones_own_referral_is_a_cycle():
    a, b = UserFactory(), UserFactory()
    invite_activate(user=b, code=a.invite.code)  # a invited b
    with pytest.raises(InviteCycle):
        invite_activate(user=a, code=b.invite.code)


def test_an_indirect_cycle_at_any_depth_is_refused():
    chain = [UserFactory() for _ in range(6)]
    for inviter, invitee in itertools.pairwise(chain):
        invite_activate(user=invitee, code=inviter.invite.code)  # chain[0] <- chain[1] <- ...
    assert invited_through(user=chain[-1], ancestor=chain[0])
    with pytest.raises(InviteCycle):
        invite_activate(user=chain[0], code=chain[-1].invite.code)


def test_a_code_from_another_branch_of_the_tree_is_fine():
    root, left, right = UserFactory(), UserFactory(), UserFactory()
    invite_activate(user=left, code=root.invite.code)
    outsider = UserFactory()
    invite_activate(user=root, code=outsider.invite.code)  # root's inviter is above, not below
    invite_activate(user=right, code=left.invite.code)
    assert not invited_through(user=outsider, ancestor=root)
    assert invited_through(user=right, ancestor=outsider)


def test_a_profile_can_leave_the_referrals_to_a_paginated_list(django_assert_num_queries):
    inviter, invitee = UserFactory(), UserFactory()
    invite_activate(user=invitee, code=inviter.invite.code)
    inviter.refresh_from_db()
    with django_assert_num_queries(1):  # the inviter only
        profile = profile_get(user=inviter, base_url=SITE, newest=0)
    assert (profile.referrals_count, profile.referrals) == (1, [])
    assert [r["phone"] for r in profile_get(user=inviter, base_url=SITE).referrals] == [
        invitee.phone
    ]
