"""The admin: search, the activated filter, and no query per row in the user list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import UserFactory
from invites.seeding import referrals_seed
from invites.services import invite_activate

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def operator(client):
    admin = User.objects.create_superuser(phone="+79000000001", password="pass")
    client.force_login(admin)
    return client


def test_users_are_found_by_phone_and_by_invite_code(operator):
    user = UserFactory()
    by_phone = operator.get(USERS, {"q": user.phone[2:]})
    by_code = operator.get(USERS, {"q": user.invite.code})
    for response in (by_phone, by_code):
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [user]


def test_the_list_filters_on_having_activated_a_code(operator):
    inviter, invited = UserFactory(), UserFactory()
    invite_activate(user=invited, code=inviter.invite.code)
    activated = operator.get(USERS, {"activated": "yes"}).context["cl"].result_list
    assert list(activated) == [invited]
    assert invited not in operator.get(USERS, {"activated": "no"}).context["cl"].result_list


def test_the_inviter_is_linked_from_the_invitee(operator):
    inviter, invited = UserFactory(), UserFactory()
    invite_activate(user=invited, code=inviter.invite.code)
    page = operator.get(f"{USERS}{invited.pk}/change/").content.decode()
    assert f'href="/admin/accounts/user/{inviter.pk}/change/"' in page


def test_the_user_list_costs_the_same_queries_for_10_and_60_rows(operator):
    counts = []
    for referrals in (9, 50):
        referrals_seed(users=1, referrals_per_user=referrals)
        with CaptureQueriesContext(connection) as queries:
            assert operator.get(USERS).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
