"""The profile page through Django's test client: what it shows, activation, referral links."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from invites.models import Referral
from invites.seeding import referrals_seed
from invites.services import invite_activate
from invites.views import REFERRAL_COOKIE, REFERRALS_PER_PAGE

PHONE_PAGE, CODE_PAGE, PROFILE_PAGE = "/", "/code/", "/profile/"

pytestmark = pytest.mark.django_db


def error_codes(response) -> list[str]:
    errors = response.context["form"].errors.as_data()
    return [error.code for error in errors.get("invite_code", [])]


def activate(client, code: str):
    return client.post(PROFILE_PAGE, {"invite_code": code})


@pytest.fixture
def user(client):
    """A user, logged in on `client`."""
    user = UserFactory()
    client.force_login(user)
    return user


# What the page shows


def test_the_profile_needs_a_login(client):
    response = client.get(PROFILE_PAGE)
    assert response.status_code == 302
    assert response["Location"] == PHONE_PAGE


def test_the_profile_of_a_new_user(client, user):
    response = client.get(PROFILE_PAGE)
    assert response.status_code == 200
    profile = response.context["profile"]
    assert (profile.phone, profile.invite_code) == (user.phone, user.invite.code)
    assert profile.activated_invite_code is None
    assert response.context["referral_link"] == f"http://testserver/?ref={user.invite.code}"
    html = response.content.decode()
    assert f'<code id="invite-code">{user.invite.code}</code>' in html
    assert 'data-copy="invite-code"' in html
    assert 'name="invite_code"' in html
    assert '<span class="count" id="referrals-count">0</span>' in html
    assert 'action="/logout/"' in html


def test_the_profile_shows_who_invited_the_user_and_no_form(client, user):
    inviter = UserFactory()
    invite_activate(user=user, code=inviter.invite.code)
    response = client.get(PROFILE_PAGE)
    html = response.content.decode()
    assert inviter.invite.code in html
    assert inviter.phone in html
    assert 'name="invite_code"' not in html


def test_the_referral_list_is_newest_first_in_pages_with_the_count(client):
    seeded = referrals_seed(users=1, referrals_per_user=REFERRALS_PER_PAGE + 5)
    [inviter] = seeded.inviters
    client.force_login(inviter)
    newest_first = [
        referral.invitee.phone
        for referral in Referral.objects.filter(inviter=inviter).order_by("-activated_at", "-id")
    ]

    first = client.get(PROFILE_PAGE)
    assert first.context["profile"].referrals_count == REFERRALS_PER_PAGE + 5
    page = first.context["referrals"]
    assert [referral["phone"] for referral in page] == newest_first[:REFERRALS_PER_PAGE]
    assert (page.number, page.paginator.num_pages) == (1, 2)
    assert 'href="?page=2"' in first.content.decode()

    second = client.get(PROFILE_PAGE, {"page": 2})
    assert [r["phone"] for r in second.context["referrals"]] == newest_first[20:]
    # Pages that do not exist are the nearest one that does.
    assert client.get(PROFILE_PAGE, {"page": 99}).context["referrals"].number == 2
    assert client.get(PROFILE_PAGE, {"page": "x"}).context["referrals"].number == 1


def test_the_page_costs_the_same_queries_for_one_referral_and_many(client):
    [lonely] = referrals_seed(users=1, referrals_per_user=1).inviters
    [popular] = referrals_seed(users=1, referrals_per_user=50).inviters

    def queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PROFILE_PAGE).status_code == 200
        return len(captured)

    assert queries(lonely) == queries(popular)


# Activation


def test_activating_a_code_links_the_users_and_says_so(client, user):
    inviter = UserFactory()
    response = activate(client, f"  {inviter.invite.code.lower()} ")
    assert response.status_code == 302
    assert response["Location"] == PROFILE_PAGE
    assert Referral.objects.get(invitee=user).inviter == inviter
    page = client.get(PROFILE_PAGE)
    assert [message.level_tag for message in page.context["messages"]] == ["success"]
    assert page.context["profile"].invited_by == inviter.phone


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFG", "ABCDE0", "ABCDEI"])
def test_a_malformed_code_is_refused_before_the_service(client, user, typed):
    response = activate(client, typed)
    assert response.status_code == 400
    assert error_codes(response) == ["required" if not typed else "invalid"]
    assert not Referral.objects.exists()


def test_a_code_nobody_has_is_404(client, user):
    response = activate(client, "ZZZZZZ" if user.invite.code != "ZZZZZZ" else "YYYYYY")
    assert response.status_code == 404
    assert error_codes(response) == ["invite_code_not_found"]


def test_ones_own_code_is_refused(client, user):
    response = activate(client, user.invite.code)
    assert response.status_code == 400
    assert error_codes(response) == ["own_invite_code"]


def test_a_second_activation_is_409_and_shows_the_first(client, user):
    first, second = UserFactory(), UserFactory()
    invite_activate(user=user, code=first.invite.code)
    response = activate(client, second.invite.code)
    assert response.status_code == 409
    assert error_codes(response) == ["invite_already_activated"]
    assert 'data-code="invite_already_activated"' in response.content.decode()
    assert Referral.objects.get(invitee=user).inviter == first


def test_a_code_that_would_close_a_cycle_is_409(client, user):
    invitee = UserFactory()
    invite_activate(user=invitee, code=user.invite.code)
    response = activate(client, invitee.invite.code)
    assert response.status_code == 409
    assert error_codes(response) == ["invite_cycle"]


# Referral links


def test_a_referral_link_carries_the_code_through_the_login_into_the_form(
    client, phone, draw_codes
):
    inviter = UserFactory()
    page = client.get(PHONE_PAGE, {"ref": inviter.invite.code.lower()})
    assert inviter.invite.code in page.content.decode()
    draw_codes("4321")
    client.post(PHONE_PAGE, {"phone": phone})
    client.post(CODE_PAGE, {"code": "4321"})

    profile = client.get(PROFILE_PAGE)
    assert profile.context["form"]["invite_code"].value() == inviter.invite.code
    assert profile.context["suggested"] == inviter.invite.code
    assert not Referral.objects.exists()  # filled in, not activated: the user confirms it

    activated = activate(client, inviter.invite.code)
    assert activated.status_code == 302
    assert Referral.objects.get(invitee__phone=phone).inviter == inviter
    assert activated.cookies[REFERRAL_COOKIE].value == ""  # forgotten once used
    assert client.get(PROFILE_PAGE).context["suggested"] is None


def test_an_anonymous_visit_by_a_referral_link_writes_no_session(client):
    code = UserFactory().invite.code
    response = client.get(PHONE_PAGE, {"ref": code})
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
    cookie = response.cookies[REFERRAL_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert code in cookie.value  # signed, not hidden: it is the code of a public link
    # The phone page still shows it on the next visit, from the cookie.
    assert code in client.get(PHONE_PAGE).content.decode()
    assert not Session.objects.exists()


def test_a_referral_cookie_that_was_tampered_with_is_ignored(client, user):
    client.cookies[REFERRAL_COOKIE] = UserFactory().invite.code  # not signed by the service
    response = client.get(PROFILE_PAGE)
    assert response.context["form"]["invite_code"].value() == ""


def test_a_logged_in_user_who_follows_a_referral_link_gets_the_form_filled_in(client, user):
    inviter = UserFactory()
    response = client.get(PHONE_PAGE, {"ref": inviter.invite.code})
    assert response["Location"] == PROFILE_PAGE
    assert client.get(PROFILE_PAGE).context["form"]["invite_code"].value() == inviter.invite.code


@pytest.mark.parametrize("ref", ["", "nope", "<script>", "ABCDE0"])
def test_a_malformed_referral_code_is_ignored(client, ref):
    response = client.get(PHONE_PAGE, {"ref": ref})
    assert REFERRAL_COOKIE not in response.cookies
    assert not Session.objects.exists()


def test_ones_own_referral_link_fills_in_nothing(client, user):
    client.get(PHONE_PAGE, {"ref": user.invite.code})
    response = client.get(PROFILE_PAGE)
    assert response.context["form"]["invite_code"].value() == ""
    assert response.context["suggested"] is None
    assert response.cookies[REFERRAL_COOKIE].value == ""


def test_a_referral_link_after_an_activation_is_forgotten(client, user):
    invite_activate(user=user, code=UserFactory().invite.code)
    client.get(PHONE_PAGE, {"ref": UserFactory().invite.code})
    response = client.get(PROFILE_PAGE)
    assert response.cookies[REFERRAL_COOKIE].value == ""


# Outages


def test_a_database_outage_is_a_friendly_503_page(client, user, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("invites.views.profile_get", down)
    response = client.get(PROFILE_PAGE)
    assert response.status_code == 503
    assert 'data-code="service_unavailable"' in response.content.decode()


def test_an_outage_during_activation_is_shown_next_to_the_field(client, user, monkeypatch):
    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("invites.views.invite_activate", down)
    response = activate(client, UserFactory().invite.code)
    assert response.status_code == 503
    assert error_codes(response) == ["service_unavailable"]
