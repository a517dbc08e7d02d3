"""The abuse defences on the login pages: the same refusals as the API, next to the field."""

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.calls import CODE_PAGE, PHONE_PAGE, PROFILE_PAGE, error_codes
from accounts.tests.calls import page_send as send
from accounts.tests.calls import page_verify as verify
from sms.blocks import blocked_ranges_changed
from sms.models import BlockedRange

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("+44 7400 123456", "phone_region_not_allowed"),
        ("+7 495 123-45-67", "phone_type_not_allowed"),
        ("8-809-505-12-34", "phone_type_not_allowed"),
    ],
)
def test_numbers_that_get_no_sms_are_refused_next_to_the_field(client, phone, code):
    response = send(client, phone)
    assert response.status_code == 400
    assert error_codes(response, "phone") == [code]
    assert "login_phone" not in client.session


def test_a_blocked_range_is_refused_with_403(client, new_range):
    phone = new_range()(1)
    BlockedRange.objects.create(prefix=phone[:7])
    blocked_ranges_changed(prefixes=[phone[:7]])
    response = send(client, phone)
    assert response.status_code == 403
    assert error_codes(response, "phone") == ["sms_blocked"]


def test_the_spent_budget_is_503_with_retry_after(client, new_range, settings):
    settings.SMS_MAX_PER_HOUR = 1
    assert send(client, new_range()(1)).status_code == 302
    response = send(client, new_range()(1))
    assert response.status_code == 503
    assert error_codes(response, "phone") == ["sms_budget_exhausted"]
    assert int(response["Retry-After"]) > 3500


def test_a_busy_range_is_429_sms_rate_limited(client, new_range, settings):
    settings.OTP_MAX_PER_RANGE = 1
    numbers = new_range()
    assert send(client, numbers(1)).status_code == 302
    response = send(client, numbers(2))
    assert response.status_code == 429
    assert error_codes(response, "phone") == ["sms_rate_limited"]
    assert 1 <= int(response["Retry-After"]) <= 600


def test_the_resend_button_waits_longer_after_each_code(client, phone, cooldown_over):
    send(client, phone)
    assert 59 <= client.get(CODE_PAGE).context["resend_in"] <= 60
    cooldown_over(phone)
    assert client.post(CODE_PAGE, {"resend": "1"}).status_code == 302
    assert 119 <= client.get(CODE_PAGE).context["resend_in"] <= 120


def test_the_code_field_invites_autofill(client, phone):
    send(client, phone)
    html = client.get(CODE_PAGE).content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert 'maxlength="4"' in html


def test_six_digit_codes_on_the_pages(client, phone, settings, draw_codes):
    settings.OTP_CODE_LENGTH = 6
    draw_codes("042133")
    assert "6-digit code" in client.get(PHONE_PAGE).content.decode()
    send(client, phone)
    page = client.get(CODE_PAGE).content.decode()
    assert 'maxlength="6"' in page
    assert "6-digit code" in page
    response = verify(client, "0421")
    assert response.status_code == 400
    assert error_codes(response, "code") == ["invalid"]
    assert verify(client, "042133")["Location"] == PROFILE_PAGE


def test_past_15_wrong_codes_a_day_the_page_refuses_the_right_one(
    client, phone, draw_codes, settings
):
    settings.OTP_MAX_ATTEMPTS = 100
    draw_codes("4321")
    send(client, phone)
    for _ in range(15):
        assert error_codes(verify(client, "0000"), "code") == ["invalid_code"]
    response = verify(client, "4321")
    assert response.status_code == 429
    assert error_codes(response, "code") == ["too_many_attempts"]


def test_the_pages_and_the_api_share_the_wrong_codes_of_an_ip(
    client, new_range, draw_codes, settings
):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    draw_codes(*["4321"] * 8)
    api = APIClient()  # the same address as the test client's, 127.0.0.1
    for _ in range(6):
        phone = new_range()(1)
        api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json")
        for _ in range(5):
            api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": "0000"}, format="json")
    send(client, new_range()(1))
    response = verify(client, "4321")
    assert response.status_code == 429
    assert error_codes(response, "code") == ["throttled"]


def test_a_test_number_logs_in_on_the_pages_and_is_sent_nothing(client, settings, monkeypatch):
    settings.OTP_TEST_NUMBERS = "+79990000011:2468"
    queued = []
    monkeypatch.setattr("accounts.services.sms_enqueue", lambda **kwargs: queued.append(kwargs))
    assert send(client, "+79990000011").status_code == 302
    assert queued == []
    assert verify(client, "2468")["Location"] == PROFILE_PAGE


def test_a_right_code_during_a_database_outage_works_after_it(
    client, phone, draw_codes, monkeypatch
):
    draw_codes("4321")
    send(client, phone)

    def down(request, user, backend=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr("accounts.views.login", down)
    response = verify(client, "4321")
    assert response.status_code == 503
    assert error_codes(response, "code") == ["service_unavailable"]
    monkeypatch.undo()
    assert verify(client, "4321")["Location"] == PROFILE_PAGE
    assert client.session["_auth_user_id"] == str(User.objects.get(phone=phone).pk)
