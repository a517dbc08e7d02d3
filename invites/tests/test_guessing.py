"""Activation defences from issue 12: a shared limit on failed guesses (API and page), only
ASCII codes, and deactivated users' codes found nowhere."""

import pytest
from rest_framework.exceptions import APIException

from accounts.tests.factories import UserFactory
from invites.models import InviteCode, Referral
from invites.services import invite_activate

INVITE = "/api/v1/profile/invite/"
PROFILE_PAGE = "/profile/"

pytestmark = pytest.mark.django_db


def unknown_codes(count: int) -> list[str]:
    """`count` well-formed codes that nobody has."""
    taken = set(InviteCode.objects.values_list("code", flat=True))
    codes = [f"ZZZ{n:03d}".replace("0", "A").replace("1", "B") for n in range(count)]
    assert not taken & set(codes)
    return codes


@pytest.fixture
def limit_3(settings):
    settings.INVITE_MAX_FAILED_PER_HOUR = 3


# Guessing (issue 12, item 6)


@pytest.mark.usefixtures("limit_3")
def test_past_the_limit_of_codes_not_found_the_api_answers_429_even_to_a_right_code(auth_api):
    user, inviter = UserFactory(), UserFactory()
    client = auth_api(user)
    for code in unknown_codes(3):
        assert client.post(INVITE, {"invite_code": code}).json()["code"] == "invite_code_not_found"
    for code in [*unknown_codes(1), inviter.invite.code]:
        answer = client.post(INVITE, {"invite_code": code})
        assert answer.status_code == 429
        assert answer.json()["code"] == "throttled"
        assert 3500 <= int(answer["Retry-After"]) <= 3600
        assert answer.json()["retry_after"] == int(answer["Retry-After"])
    assert not Referral.objects.filter(invitee=user).exists()
    # Another user is not limited by this one's guesses.
    assert (
        auth_api(UserFactory()).post(INVITE, {"invite_code": inviter.invite.code}).status_code
        == 200
    )


def test_the_default_limit_is_ten_codes_not_found_an_hour(auth_api):
    client = auth_api(UserFactory())
    answers = [client.post(INVITE, {"invite_code": c}).status_code for c in unknown_codes(11)]
    assert answers == [404] * 10 + [429]


@pytest.mark.usefixtures("limit_3")
def test_the_page_and_the_api_share_one_limit(client, auth_api):
    user, inviter = UserFactory(), UserFactory()
    client.force_login(user)
    first, second, third, fourth = unknown_codes(4)
    assert auth_api(user).post(INVITE, {"invite_code": first}).status_code == 404
    assert client.post(PROFILE_PAGE, {"invite_code": second}).status_code == 404
    assert auth_api(user).post(INVITE, {"invite_code": third}).status_code == 404
    page = client.post(PROFILE_PAGE, {"invite_code": inviter.invite.code})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    errors = page.context["form"].errors.as_data()["invite_code"]
    assert [error.code for error in errors] == ["throttled"]
    assert auth_api(user).post(INVITE, {"invite_code": fourth}).status_code == 429


@pytest.mark.usefixtures("limit_3")
def test_other_refusals_are_no_failed_guesses(auth_api):
    user = UserFactory()
    client = auth_api(user)
    for _ in range(5):
        assert client.post(INVITE, {"invite_code": user.invite.code}).status_code == 400
        assert client.post(INVITE, {"invite_code": "0000"}).status_code == 400
    assert client.post(INVITE, {"invite_code": UserFactory().invite.code}).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("limit_3")
def test_concurrent_wrong_guesses_get_exactly_the_limit_of_not_found_answers(concurrently):
    user = UserFactory()

    def guess(code: str) -> str:
        try:
            invite_activate(user=user, code=code)
        except APIException as refused:
            return refused.default_code
        return "ok"

    results = concurrently(guess, unknown_codes(12))
    assert sorted(results) == ["invite_code_not_found"] * 3 + ["throttled"] * 9


# Look-alikes (issue 12, item 14)

LONG_S, SHARP_S, LIGATURE_FF = "\u017f", "\u00df", "\ufb00"


# Each upper-cases (str.upper) into a code of the alphabet that someone has.
LOOK_ALIKES = [f"wqyg{LONG_S}z", f"{SHARP_S}WQYG", f"{LIGATURE_FF}WQYG"]


@pytest.fixture
def owners():
    """Users whose codes the look-alikes upper-case into."""
    for code in ("WQYGSZ", "SSWQYG", "FFWQYG"):
        InviteCode.objects.filter(pk=UserFactory().pk).update(code=code)


@pytest.mark.usefixtures("owners")
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_non_ascii_look_alikes_are_400_invalid_in_the_api(auth_api, typed):
    user = UserFactory()
    answer = auth_api(user).post(INVITE, {"invite_code": typed})
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert "invite_code" in answer.json()["errors"]
    assert not Referral.objects.filter(invitee=user).exists()


@pytest.mark.usefixtures("owners")
@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_non_ascii_look_alikes_are_refused_by_the_page_and_the_service(client, typed):
    user = UserFactory()
    client.force_login(user)
    page = client.post(PROFILE_PAGE, {"invite_code": typed})
    assert page.status_code == 400
    assert [e.code for e in page.context["form"].errors.as_data()["invite_code"]] == ["invalid"]
    with pytest.raises(Exception) as refused:  # noqa: PT011 - DRF's ValidationError
        invite_activate(user=user, code=typed)
    assert refused.value.default_code == "invalid"
    assert not Referral.objects.filter(invitee=user).exists()


@pytest.mark.usefixtures("owners")
def test_the_ascii_code_itself_still_works_in_any_case(auth_api):
    assert auth_api(UserFactory()).post(INVITE, {"invite_code": " wqygsz "}).status_code == 200


# Deactivated users (issue 12, item 15)


def test_a_deactivated_users_code_is_404_invite_code_not_found(auth_api):
    inviter = UserFactory(is_active=False)
    answer = auth_api(UserFactory()).post(INVITE, {"invite_code": inviter.invite.code})
    assert answer.status_code == 404
    assert answer.json()["code"] == "invite_code_not_found"
    assert inviter.phone not in answer.content.decode()
