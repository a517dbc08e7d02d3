"""Refresh rotation and logout, with simplejwt's blacklist on the real PostgreSQL."""

import pytest
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from accounts.tests.factories import UserFactory

REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
PROFILE = "/api/v1/profile/"

pytestmark = pytest.mark.django_db


def refresh(token):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def bearer(access) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_refresh_gives_a_new_pair_and_the_old_refresh_stops_working():
    tokens = tokens_issue(user=UserFactory())
    response = refresh(tokens.refresh)
    assert response.status_code == 200
    new = response.json()
    assert set(new) == {"access", "refresh"}
    assert new["refresh"] != tokens.refresh
    assert bearer(new["access"]).get(PROFILE).status_code == 200
    again = refresh(tokens.refresh)
    assert again.status_code == 401
    assert again.json()["code"] == "authentication_failed"
    assert refresh(new["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_a_bad_refresh_token_is_refused(token):
    response = refresh(token)
    if token == "":
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    else:
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"


def test_an_access_token_is_not_a_refresh_token():
    tokens = tokens_issue(user=UserFactory())
    assert refresh(tokens.access).json()["code"] == "authentication_failed"


def test_a_disabled_user_cannot_refresh():
    user = UserFactory()
    tokens = tokens_issue(user=user)
    user.is_active = False
    user.save()
    assert refresh(tokens.refresh).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_refreshes_of_one_token_at_most_one_succeeds(concurrently):
    tokens = tokens_issue(user=UserFactory())
    statuses = concurrently(lambda _: refresh(tokens.refresh).status_code, list(range(8)))
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 401}


def test_logout_revokes_the_refresh_token():
    user = UserFactory()
    tokens = tokens_issue(user=user)
    response = bearer(tokens.access).post(LOGOUT, {"refresh": tokens.refresh}, format="json")
    assert response.status_code == 204
    assert refresh(tokens.refresh).json()["code"] == "authentication_failed"
    # The access token lives out its short life.
    assert bearer(tokens.access).get(PROFILE).status_code == 200


def test_logout_twice_is_400_invalid():
    tokens = tokens_issue(user=UserFactory())
    client = bearer(tokens.access)
    client.post(LOGOUT, {"refresh": tokens.refresh}, format="json")
    response = client.post(LOGOUT, {"refresh": tokens.refresh}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "refresh" in response.json()["errors"]


def test_logout_with_another_users_refresh_token_is_400_and_revokes_nothing():
    mine, theirs = tokens_issue(user=UserFactory()), tokens_issue(user=UserFactory())
    response = bearer(mine.access).post(LOGOUT, {"refresh": theirs.refresh}, format="json")
    assert response.status_code == 400
    assert refresh(theirs.refresh).status_code == 200


def test_logout_with_a_malformed_token_is_400_invalid():
    tokens = tokens_issue(user=UserFactory())
    response = bearer(tokens.access).post(LOGOUT, {"refresh": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_logout_needs_authentication():
    response = APIClient().post(LOGOUT, {"refresh": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_access_token_is_401_authentication_failed():
    response = bearer("not-a-jwt").get(PROFILE)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
