"""The login pages through Django's test client: the phone page, the code page, logout.

Errors are checked by the service's code, kept as the form error's code; SMS codes are known
in advance with `draw_codes`.
"""

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.tests.calls import CODE_PAGE, LOGOUT, PHONE_PAGE, PROFILE_PAGE, error_codes
from accounts.tests.calls import page_send as send
from accounts.tests.calls import page_verify as verify
from accounts.tests.factories import UserFactory
from sms.errors import InvalidPhone

pytestmark = pytest.mark.django_db


def resend(client):
    return client.post(CODE_PAGE, {"resend": "1"})


# The phone page


def test_the_phone_page_asks_for_the_phone_in_a_form_with_a_csrf_token(client):
    response = client.get(PHONE_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="phone"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html


def test_a_phone_in_any_format_gets_a_code_and_leads_to_the_code_page(client, phone):
    response = send(client, f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}")
    assert response.status_code == 302
    assert response["Location"] == CODE_PAGE
    assert client.session["login_phone"] == phone
    assert not User.objects.filter(phone=phone).exists()


@pytest.mark.parametrize("raw", ["12345", "hello", "+7 962 851", "1" * 500])
def test_what_is_not_a_phone_number_is_refused_next_to_the_field(client, raw):
    response = send(client, raw)
    assert response.status_code == 400
    assert error_codes(response, "phone") == ["invalid_phone"]
    assert 'aria-invalid="true"' in response.content.decode()


def test_an_empty_phone_is_required(client):
    response = send(client, "")
    assert response.status_code == 400
    assert error_codes(response, "phone") == ["required"]


def test_the_same_phone_inside_the_cooldown_goes_to_the_code_page_for_the_code_sent(
    client, phone, draw_codes
):
    draw_codes("1111", "2222")
    send(client, phone)
    client.get(PHONE_PAGE)  # "change the number", then the same one again
    response = send(client, phone)
    assert response.status_code == 302
    assert response["Location"] == CODE_PAGE
    page = client.get(CODE_PAGE)
    assert [message.level_tag for message in page.context["messages"]] == ["info"]
    assert verify(client, "1111").status_code == 302  # no second code replaced the first


def test_past_the_hourly_cap_the_phone_page_says_too_many_codes(client, phone, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    for _ in range(5):
        assert send(client, phone).status_code == 302
    response = send(client, phone)
    assert response.status_code == 429
    assert error_codes(response, "phone") == ["too_many_codes"]
    assert int(response["Retry-After"]) > 3500


def test_past_the_per_ip_rate_the_phone_page_says_throttled(client, new_phone, settings):
    settings.THROTTLE_SEND_CODE = "2/hour"
    assert send(client, new_phone()).status_code == 302
    assert send(client, new_phone()).status_code == 302
    response = send(client, new_phone())
    assert response.status_code == 429
    assert error_codes(response, "phone") == ["throttled"]
    assert int(response["Retry-After"]) >= 1


def test_the_pages_and_the_api_share_one_per_ip_budget(client, api, new_phone, settings):
    settings.THROTTLE_SEND_CODE = "1/hour"
    assert api.post("/api/v1/auth/send-code/", {"phone": new_phone()}).status_code == 202
    response = send(client, new_phone())
    assert response.status_code == 429
    assert error_codes(response, "phone") == ["throttled"]


def test_a_form_without_the_csrf_token_is_refused(phone):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(PHONE_PAGE, {"phone": phone}).status_code == 403


def test_while_redis_is_down_the_login_pages_say_so_and_recover(client, new_phone, own_redis):
    first = new_phone()
    assert send(client, first).status_code == 302
    own_redis.stop()

    response = verify(client, "1234")
    assert response.status_code == 503
    assert error_codes(response, "code") == ["service_unavailable"]
    response = send(client, new_phone())
    assert response.status_code == 503
    assert error_codes(response, "phone") == ["service_unavailable"]

    own_redis.start()
    assert send(client, new_phone()).status_code == 302


@pytest.mark.parametrize(
    ("method", "page"),
    [("get", PHONE_PAGE), ("get", CODE_PAGE), ("get", PROFILE_PAGE), ("post", LOGOUT)],
)
def test_a_database_outage_under_the_session_is_a_friendly_503_page(
    client, method, page, monkeypatch
):
    client.force_login(UserFactory())

    def down(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", down)
    response = getattr(client, method)(page)
    assert response.status_code == 503
    assert 'data-code="service_unavailable"' in response.content.decode()


# The code page


@pytest.fixture
def at_code_page(client, phone):
    """The client has asked for a code for `phone` and is on the code page."""
    assert send(client, phone).status_code == 302
    return client


def test_the_code_page_without_a_phone_sends_back_to_the_phone_page(client):
    response = client.get(CODE_PAGE)
    assert response.status_code == 302
    assert response["Location"] == PHONE_PAGE


def test_the_code_page_shows_the_phone_the_resend_wait_and_the_inbox_link(at_code_page, phone):
    response = at_code_page.get(CODE_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert phone in html
    assert 'name="code"' in html
    assert 55 <= response.context["resend_in"] <= 60
    assert f'data-countdown="{response.context["resend_in"]}"' in html
    assert f'href="/api/v1/dev/sms/?phone=%2B{phone[1:]}"' in html


def test_without_the_dev_inbox_the_code_page_does_not_link_to_it(at_code_page, settings):
    settings.SMS_INBOX_ENABLED = False
    response = at_code_page.get(CODE_PAGE)
    assert response.context["inbox_url"] is None
    assert "/api/v1/dev/sms/" not in response.content.decode()


def test_the_right_code_logs_in_with_a_session_and_creates_the_user(client, phone, draw_codes):
    draw_codes("4321")
    send(client, phone)
    response = verify(client, "4321")
    assert response.status_code == 302
    assert response["Location"] == PROFILE_PAGE
    user = User.objects.get(phone=phone)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "login_phone" not in client.session
    assert client.get(PROFILE_PAGE).status_code == 200


def test_the_next_login_finds_the_same_user(client, phone, draw_codes):
    user = UserFactory(phone=phone)
    draw_codes("4321")
    send(client, phone)
    verify(client, "4321")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.filter(phone=phone).count() == 1


def test_a_wrong_code_is_refused_with_the_attempts_left(client, phone, draw_codes):
    draw_codes("4321")
    send(client, phone)
    response = verify(client, "0000")
    assert response.status_code == 400
    assert error_codes(response, "code") == ["invalid_code"]
    [error] = response.context["form"].errors.as_data()["code"]
    assert error.params == {"attempts_left": 4}
    assert 'id="id_code_error"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_malformed_code_is_refused_and_uses_up_no_attempt(client, phone, draw_codes):
    draw_codes("4321")
    send(client, phone)
    fullwidth = "\uff11\uff12\uff13\uff14"  # digits, but not ASCII ones
    for malformed in ["12a4", "123", "12345", fullwidth]:
        response = verify(client, malformed)
        assert response.status_code == 400
        assert error_codes(response, "code") == ["invalid"]
    assert verify(client, "0000").context["form"].errors.as_data()["code"][0].params == {
        "attempts_left": 4
    }


def test_the_fifth_wrong_code_locks_even_the_right_one(client, phone, draw_codes):
    draw_codes("4321")
    send(client, phone)
    for _ in range(4):
        assert verify(client, "0000").status_code == 400
    fifth = verify(client, "0000")
    assert fifth.status_code == 429
    assert error_codes(fifth, "code") == ["too_many_attempts"]
    assert int(fifth["Retry-After"]) >= 1
    right = verify(client, "4321")
    assert right.status_code == 429
    assert error_codes(right, "code") == ["too_many_attempts"]


def test_a_phone_with_no_live_code_is_told_it_expired(client, phone):
    session = client.session
    session["login_phone"] = phone  # on the code page, but the code is gone (expired or used)
    session.save()
    response = verify(client, "1234")
    assert response.status_code == 400
    assert error_codes(response, "code") == ["code_expired"]


def test_a_disabled_account_cannot_log_in(client, phone, draw_codes):
    UserFactory(phone=phone, is_active=False)
    draw_codes("4321")
    send(client, phone)
    response = verify(client, "4321")
    assert response.status_code == 403
    assert error_codes(response, "code") == ["permission_denied"]
    assert "_auth_user_id" not in client.session


def test_a_resend_inside_the_cooldown_is_refused_next_to_the_button(at_code_page):
    response = resend(at_code_page)
    assert response.status_code == 429
    assert error_codes(response, None, form="resend_form") == ["resend_too_soon"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.context["resend_in"] >= 1


def test_a_resend_after_the_cooldown_sends_a_code_that_replaces_the_old_one(
    client, phone, draw_codes, settings
):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    draw_codes("1111", "2222")
    send(client, phone)
    response = resend(client)
    assert response.status_code == 302
    assert response["Location"] == CODE_PAGE
    assert client.get(CODE_PAGE).context["resend_in"] == 0
    assert error_codes(verify(client, "1111"), "code") == ["invalid_code"]
    assert verify(client, "2222")["Location"] == PROFILE_PAGE


def test_the_code_store_down_shows_the_code_page_with_the_resend_button_free(
    at_code_page, own_redis
):
    own_redis.stop()
    response = at_code_page.get(CODE_PAGE)
    assert response.status_code == 200
    assert response.context["resend_in"] == 0


# Logged in, logout


def test_a_logged_in_user_is_sent_from_the_login_pages_to_the_profile(client):
    client.force_login(UserFactory())
    for page in (PHONE_PAGE, CODE_PAGE):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == PROFILE_PAGE


def test_logout_ends_the_session(client):
    client.force_login(UserFactory())
    assert client.get(LOGOUT).status_code == 405  # only a form (POST, with CSRF) logs out
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == PHONE_PAGE
    assert client.get(PROFILE_PAGE)["Location"] == PHONE_PAGE


# Languages


def test_the_pages_speak_the_browsers_language(client):
    response = client.get(PHONE_PAGE, HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Content-Language"] == "ru"
    assert '<html lang="ru">' in response.content.decode()
    assert "Вход или регистрация" in response.content.decode()


def test_service_errors_come_in_the_browsers_language(client):
    response = client.post(PHONE_PAGE, {"phone": "12345"}, HTTP_ACCEPT_LANGUAGE="ru")
    with translation.override("ru"):
        russian = str(InvalidPhone.default_detail)
    with translation.override("en"):
        assert russian != str(InvalidPhone.default_detail)
    assert response.context["form"].errors["phone"] == [russian]


def test_the_language_switch_wins_over_the_browsers_language(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": CODE_PAGE})
    assert response.status_code == 302
    assert response["Location"] == CODE_PAGE
    page = client.get(PHONE_PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ru">' in page.content.decode()
