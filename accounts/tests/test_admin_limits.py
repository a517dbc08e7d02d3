"""Support staff lift a phone's login limits (issue 12, finding 18): a stranger can use them up
on purpose and lock the owner out for most of a day, the price of having per-phone caps."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
LIMITS = "/admin/accounts/user/login-limits/"


def send(phone):
    return APIClient().post("/api/v1/auth/send-code/", {"phone": phone}, format="json")


def verify(phone, code):
    body = {"phone": phone, "code": code}
    return APIClient().post("/api/v1/auth/verify-code/", body, format="json")


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser(phone="+79000000002", password="pass"))
    return client


@pytest.fixture
def locked_out(settings, draw_codes):
    """A function that locks `phone` out as an attacker would: its codes of the hour used up,
    and wrong codes until it may be sent no more today."""

    def lock(phone: str) -> None:
        settings.OTP_RESEND_COOLDOWN_SECONDS = 0
        draw_codes(*["4321"] * 5)
        for _ in range(3):
            send(phone)
            for _ in range(5):
                verify(phone, "0000")
        assert send(phone).json()["code"] == "too_many_codes"
        assert verify(phone, "4321").json()["code"] == "too_many_attempts"
        settings.OTP_RESEND_COOLDOWN_SECONDS = 60

    return lock


def test_the_user_list_action_resets_a_users_login_limits(operator, locked_out, draw_codes):
    user = UserFactory()
    locked_out(user.phone)
    response = operator.post(
        USERS, {"action": "reset_login_limits", "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Login limits reset for 1 user." in response.content.decode()
    draw_codes("1357")
    assert send(user.phone).status_code == 202
    assert verify(user.phone, "1357").status_code == 200


def test_the_limits_page_shows_a_phone_that_is_no_user_yet_and_resets_it(
    operator, locked_out, phone
):
    locked_out(phone)
    page = operator.get(LIMITS, {"phone": f"8 {phone[2:]}"})
    assert page.status_code == 200
    limits = page.context["limits"]
    assert page.context["phone"] == phone
    assert (limits.sends_hour, limits.sends_day, limits.failed_day) == (3, 3, 15)
    assert limits.resend_in > 86_000
    response = operator.post(LIMITS, {"phone": phone})
    assert response.status_code == 302
    after = operator.get(response["Location"]).context["limits"]
    assert (after.sends_day, after.failed_day, after.resend_in) == (0, 0, 0)
    assert send(phone).status_code == 202


def test_the_limits_page_refuses_what_is_not_a_phone(operator):
    page = operator.get(LIMITS, {"phone": "hello"})
    assert page.status_code == 200
    assert page.context["limits"] is None
    assert page.context["form"].errors["phone"]


def test_the_user_list_links_to_the_limits_page(operator):
    assert f'href="{LIMITS}"' in operator.get(USERS).content.decode()


def test_staff_without_the_right_to_change_users_cannot_reset(client, phone):
    staff = User.objects.create_user(phone="+79000000003", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    assert client.get(LIMITS, {"phone": phone}).status_code == 403
    assert client.post(LIMITS, {"phone": phone}).status_code == 403
