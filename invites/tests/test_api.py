"""The profile API: fields, the referral list and its pagination, activation answers."""

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework.serializers import DateTimeField

from accounts.tests.factories import UserFactory
from invites.apis import iso_8601
from invites.models import Referral
from invites.seeding import referrals_seed
from invites.services import invite_activate

PROFILE = "/api/v1/profile/"
REFERRALS = "/api/v1/profile/referrals/"
INVITE = "/api/v1/profile/invite/"

pytestmark = pytest.mark.django_db


def test_the_profile_of_a_new_user(auth_api):
    user = UserFactory()
    response = auth_api(user).get(PROFILE)
    assert response.status_code == 200
    assert response.json() == {
        "phone": user.phone,
        "invite_code": user.invite.code,
        "activated_invite_code": None,
        "invited_by": None,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
        "referrals_count": 0,
        "referrals": [],
        "referral_link": f"http://testserver/?ref={user.invite.code}",
    }


def test_the_profile_needs_a_token(api):
    response = api.get(PROFILE)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_activation_answers_the_updated_profile(auth_api):
    inviter, user = UserFactory(), UserFactory()
    response = auth_api(user).post(INVITE, {"invite_code": f" {inviter.invite.code.lower()} "})
    assert response.status_code == 200
    assert response.json()["activated_invite_code"] == inviter.invite.code
    assert response.json()["invited_by"] == inviter.phone
    profile = auth_api(inviter).get(PROFILE).json()
    assert profile["referrals_count"] == 1
    assert [r["phone"] for r in profile["referrals"]] == [user.phone]


CYRILLIC_KA = "\u041a"


@pytest.mark.parametrize(
    "code", ["K7Q2Z", "K7Q2ZPX", "K7Q2Z0", "K7Q2ZI", "", "      ", f"{CYRILLIC_KA}7Q2ZP"]
)
def test_a_malformed_code_is_400_invalid(auth_api, code):
    response = auth_api(UserFactory()).post(INVITE, {"invite_code": code})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "invite_code" in response.json()["errors"]


@pytest.mark.parametrize("body", [{"invite_code": 234567}, {"invite_code": None}, {}])
def test_the_invite_code_must_be_a_string(auth_api, body):
    response = auth_api(UserFactory()).post(INVITE, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_an_unknown_code_is_404_invite_code_not_found(auth_api):
    response = auth_api(UserFactory()).post(INVITE, {"invite_code": "k7q2zp"})
    assert response.status_code == 404
    assert response.json()["code"] == "invite_code_not_found"
    assert "K7Q2ZP" in response.json()["detail"]


def test_a_second_activation_is_409_and_names_the_first_code(auth_api):
    first, second, user = UserFactory(), UserFactory(), UserFactory()
    invite_activate(user=user, code=first.invite.code)
    response = auth_api(user).post(INVITE, {"invite_code": second.invite.code})
    assert response.status_code == 409
    assert response.json()["code"] == "invite_already_activated"
    assert response.json()["activated_invite_code"] == first.invite.code


def test_ones_own_code_is_400_own_invite_code(auth_api):
    user = UserFactory()
    response = auth_api(user).post(INVITE, {"invite_code": user.invite.code})
    assert response.status_code == 400
    assert response.json()["code"] == "own_invite_code"


def test_a_cycle_is_409_invite_cycle(auth_api):
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    invite_activate(user=b, code=a.invite.code)
    invite_activate(user=c, code=b.invite.code)
    response = auth_api(a).post(INVITE, {"invite_code": c.invite.code})
    assert response.status_code == 409
    assert response.json()["code"] == "invite_cycle"


def test_activation_needs_a_token(api):
    assert api.post(INVITE, {"invite_code": "K7Q2ZP"}).json()["code"] == "not_authenticated"


def test_the_profile_shows_the_newest_100_referrals_and_the_total(auth_api):
    inviter = referrals_seed(users=1, referrals_per_user=150).inviters[0]
    profile = auth_api(inviter).get(PROFILE).json()
    assert profile["referrals_count"] == 150
    assert len(profile["referrals"]) == 100
    times = [r["activated_at"] for r in profile["referrals"]]
    assert times == sorted(times, reverse=True)


def test_the_referral_list_pages_through_everything_newest_first(auth_api):
    inviter = referrals_seed(users=1, referrals_per_user=250).inviters[0]
    client = auth_api(inviter)
    page = client.get(REFERRALS, {"page_size": 100}).json()
    assert page["previous"] is None
    seen = list(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        seen.extend(page["results"])
    assert len(seen) == 250
    assert len({r["phone"] for r in seen}) == 250
    assert [r["activated_at"] for r in seen] == sorted(
        (r["activated_at"] for r in seen), reverse=True
    )


def test_a_page_holds_100_by_default_and_at_most_500(auth_api):
    inviter = referrals_seed(users=1, referrals_per_user=600).inviters[0]
    client = auth_api(inviter)
    assert len(client.get(REFERRALS).json()["results"]) == 100
    assert len(client.get(REFERRALS, {"page_size": 10_000}).json()["results"]) == 500


def test_ties_in_activation_time_are_broken_by_id(auth_api):
    inviter = UserFactory()
    invitees = [UserFactory() for _ in range(5)]
    for invitee in invitees:
        invite_activate(user=invitee, code=inviter.invite.code)
    Referral.objects.filter(inviter=inviter).update(activated_at=invitees[0].date_joined)
    client = auth_api(inviter)
    first = client.get(REFERRALS, {"page_size": 2}).json()
    rest = client.get(first["next"]).json()
    rest = rest["results"] + client.get(rest["next"]).json()["results"]
    phones = [r["phone"] for r in first["results"] + rest]
    assert phones == [u.phone for u in reversed(invitees)]


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "null", ""])
def test_a_page_size_that_is_not_a_positive_integer_is_400_invalid(auth_api, page_size):
    response = auth_api(UserFactory()).get(REFERRALS, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["page_size"]


def forged(querystring: str) -> str:
    """A cursor as DRF writes one (base64 of a query string), with whatever inside."""
    return base64.b64encode(querystring.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",  # nothing of base64 in it: DRF decoded it to nothing, the first page
        "",  # empty: the first page too
        "cD0x=",  # padding in the middle of nowhere
        forged("p=garbage"),
        forged("p=1"),
        forged("p=2026-13-45"),
        forged("r=1&p=x"),
        forged("o=-1"),
        forged("r=2"),
        forged("x=1"),  # a key DRF never writes
        forged("p=2026-01-01T00:00:00Z&p=2026-01-02T00:00:00Z"),  # a key twice
        forged(""),
        base64.b64encode("p=\u00e9".encode()).decode(),  # not ASCII inside
    ],
)
def test_a_bad_cursor_is_404_not_found(auth_api, cursor):
    inviter = referrals_seed(users=1, referrals_per_user=3).inviters[0]
    response = auth_api(inviter).get(REFERRALS, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_paging_forward_and_back_follows_the_links_drf_writes(auth_api):
    inviter = referrals_seed(users=1, referrals_per_user=7).inviters[0]
    client = auth_api(inviter)
    first = client.get(REFERRALS, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert (len(third["results"]), third["next"]) == (1, None)
    assert client.get(third["previous"]).json()["results"] == second["results"]
    assert client.get(second["previous"]).json()["results"] == first["results"]


# The user (for the token), then the inviter and the newest referrals, or the one page.
@pytest.mark.parametrize(("path", "queries"), [(PROFILE, 3), (REFERRALS, 2)])
def test_the_query_count_is_the_same_for_0_and_1000_referrals(
    auth_api, path, queries, django_assert_num_queries
):
    lonely = UserFactory()
    popular = referrals_seed(users=1, referrals_per_user=1_000).inviters[0]
    invite_activate(user=popular, code=UserFactory().invite.code)  # an inviter to show, too
    for user in (lonely, popular):
        client = auth_api(user)
        with django_assert_num_queries(queries):
            assert client.get(path).status_code == 200


def test_referral_times_are_written_as_drf_writes_times():
    for moment in (
        datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 13, 0, tzinfo=timezone(timedelta(hours=3))),
    ):
        assert iso_8601(moment.astimezone(UTC)) == DateTimeField().to_representation(moment)
