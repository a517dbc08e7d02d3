"""The login API end to end: real PostgreSQL, Redis, broker and Celery worker."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.calls import SEND, VERIFY, send, verify
from invites.codes import INVITE_CODE_ALPHABET

pytestmark = pytest.mark.django_db


# send-code


def test_send_code_answers_202_with_the_normalised_phone(api):
    # A number of its own: its SMS, delivered a second later, must not land in another
    # test's inbox (each test empties Redis only when it starts).
    response = send(api, "8 (962) 851-87-00")
    assert response.status_code == 202
    assert response.json() == {"phone": "+79628518700", "expires_in": 300, "resend_in": 60}


def test_send_code_creates_no_user(api, phone):
    send(api, phone)
    assert not User.objects.filter(phone=phone).exists()


@pytest.mark.parametrize("raw", ["", "12345", "hello", "+7 962 851", "1" * 500])
def test_send_code_refuses_what_is_not_a_phone_number(api, raw):
    response = send(api, raw)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"


@pytest.mark.parametrize("body", [{}, {"phone": None}, {"phone": 79628518753}, {"phone": ["x"]}])
def test_send_code_wants_the_phone_as_a_string(api, body):
    response = api.post(SEND, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "phone" in response.json()["errors"]


def test_send_code_inside_the_cooldown_is_429_resend_too_soon(api, phone):
    send(api, phone)
    response = send(api, phone)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "resend_too_soon"
    assert 1 <= body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])


def test_send_code_past_the_hourly_cap_is_429_too_many_codes(api, phone, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    for _ in range(5):
        assert send(api, phone).status_code == 202
    response = send(api, phone)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_codes"
    assert int(response["Retry-After"]) > 3500


def test_send_code_past_the_per_ip_rate_is_429_throttled(api, new_phone, settings):
    settings.THROTTLE_SEND_CODE = "2/hour"
    assert send(api, new_phone()).status_code == 202
    assert send(api, new_phone()).status_code == 202
    response = send(api, new_phone())
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) == response.json()["retry_after"] >= 1


def test_the_per_ip_rate_is_per_client_address(new_phone, settings):
    settings.THROTTLE_SEND_CODE = "1/hour"
    first, second = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    assert send(first, new_phone()).status_code == 202
    assert send(second, new_phone()).status_code == 202
    assert send(first, new_phone()).status_code == 429


def test_a_forged_forwarded_for_header_does_not_dodge_the_per_ip_rate(new_phone, settings):
    settings.THROTTLE_SEND_CODE = "1/hour"
    api = APIClient()
    assert send(api, new_phone()).status_code == 202
    response = api.post(
        SEND, {"phone": new_phone()}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response.status_code == 429


# verify-code


@pytest.mark.usefixtures("celery_worker")
def test_first_login_creates_the_user_with_an_invite_code(api, phone, read_code):
    send(api, phone)
    response = verify(api, phone, read_code(phone))
    assert response.status_code == 200
    body = response.json()
    assert body["is_new_user"] is True
    assert body["access"]
    assert body["refresh"]
    profile = body["profile"]
    assert profile["phone"] == phone
    assert re.fullmatch(f"[{INVITE_CODE_ALPHABET}]{{6}}", profile["invite_code"])
    assert profile["activated_invite_code"] is None
    assert profile["invited_by"] is None
    assert profile["referrals_count"] == 0
    assert profile["referrals"] == []
    assert User.objects.get(phone=phone).invite.code == profile["invite_code"]


@pytest.mark.usefixtures("celery_worker")
def test_the_next_login_finds_the_same_user_whatever_the_phone_format(api, read_code, settings):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    send(api, "+7 962 851 87 53")
    first = verify(api, "8-962-851-87-53", read_code("+79628518753")).json()
    send(api, "79628518753")
    second = verify(api, "8 (962) 851-87-53", read_code("+79628518753", after=1)).json()
    assert second["is_new_user"] is False
    assert second["profile"]["invite_code"] == first["profile"]["invite_code"]
    assert User.objects.filter(phone="+79628518753").count() == 1


def test_a_wrong_code_is_400_invalid_code_with_attempts_left(api, phone, draw_codes):
    draw_codes("4321")
    send(api, phone)
    response = verify(api, phone, "0000")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert response.json()["attempts_left"] == 4


def test_fifth_wrong_code_is_429_and_locks_even_the_right_code(api, phone, draw_codes):
    draw_codes("4321")
    send(api, phone)
    for left in (4, 3, 2, 1):
        assert verify(api, phone, "0000").json()["attempts_left"] == left
    fifth = verify(api, phone, "0000")
    assert fifth.status_code == 429
    assert fifth.json()["code"] == "too_many_attempts"
    assert 1 <= int(fifth["Retry-After"]) <= 60
    right = verify(api, phone, "4321")
    assert right.status_code == 429
    assert right.json()["code"] == "too_many_attempts"


@pytest.mark.parametrize("code", ["123", "12345", "12a4", " 1234", "١٢٣٤", ""])
def test_a_malformed_code_is_400_invalid_and_uses_no_attempt(api, phone, code, draw_codes):
    draw_codes("4321")
    send(api, phone)
    response = verify(api, phone, code)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "code" in response.json()["errors"]
    assert verify(api, phone, "0000").json()["attempts_left"] == 4


def test_a_code_sent_as_a_number_is_400_invalid(api, phone):
    send(api, phone)
    response = api.post(VERIFY, {"phone": phone, "code": 1234}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_verify_without_a_code_sent_is_400_code_expired(api, phone):
    response = verify(api, phone, "1234")
    assert response.status_code == 400
    assert response.json()["code"] == "code_expired"


def test_verify_with_a_bad_phone_is_400_invalid_phone(api):
    response = verify(api, "not a phone", "1234")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"


def test_a_used_code_is_400_code_expired(api, phone, draw_codes):
    draw_codes("4321")
    send(api, phone)
    assert verify(api, phone, "4321").status_code == 200
    response = verify(api, phone, "4321")
    assert response.status_code == 400
    assert response.json()["code"] == "code_expired"


@pytest.mark.django_db(transaction=True)  # the login's own transactions, not a test's
def test_a_new_users_login_is_ten_statements_and_three_commits(api, phone, draw_codes):
    """What the README's performance section says a new user's verify-code costs the database
    (the connection's health check aside): the user and its invite code with the webhook
    endpoints to notify in one transaction, then the login's network, then the refresh token."""
    draw_codes("4321")
    send(api, phone)
    with CaptureQueriesContext(connection) as captured:
        assert verify(api, phone, "4321").json()["is_new_user"] is True
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert statements == [
        "SELECT",  # the user, not there yet
        "BEGIN",
        "INSERT",  # the user
        "SAVEPOINT",  # a collision of invite codes draws again
        "INSERT",  # its invite code
        "RELEASE",
        "SELECT",  # the webhook endpoints that want user.created
        "COMMIT",
        "UPDATE",  # the login's network, for the fraud signals (autocommit)
        "INSERT",  # the outstanding refresh token (autocommit)
    ]


@pytest.mark.usefixtures("celery_worker")
def test_a_new_send_makes_the_old_code_stop_working(api, phone, read_code, settings, draw_codes):
    settings.OTP_RESEND_COOLDOWN_SECONDS = 0
    draw_codes("1111", "2222")
    send(api, phone)
    send(api, phone)
    assert read_code(phone, after=1) in {"1111", "2222"}  # both SMS are delivered
    assert verify(api, phone, "1111").json()["code"] == "invalid_code"
    assert verify(api, phone, "2222").status_code == 200


def test_verify_past_the_per_ip_rate_is_429_throttled(api, phone, settings):
    settings.THROTTLE_VERIFY_CODE = "1/minute"
    verify(api, phone, "1234")
    response = verify(api, phone, "1234")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_a_disabled_user_cannot_log_in(api, phone, draw_codes):
    draw_codes("4321")
    User.objects.create_user(phone=phone, is_active=False)
    send(api, phone)
    response = verify(api, phone, "4321")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
@pytest.mark.parametrize("clients", [2, 10])
def test_concurrent_verifies_of_the_right_code_log_in_once(phone, read_code, clients, concurrently):
    send(APIClient(), phone)
    code = read_code(phone)

    def attempt(_):
        response = verify(APIClient(), phone, code)
        return response.status_code, response.json().get("code")

    results = concurrently(attempt, list(range(clients)))
    assert sorted(results, key=str) == [(200, None)] + [(400, "code_expired")] * (clients - 1)
    assert User.objects.filter(phone=phone).count() == 1
