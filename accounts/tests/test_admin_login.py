"""The admin's password login is locked after repeated failures (django-axes), per client.

A lockout is per phone (the admin's username) and client IP together, the client IP being the
one the API's throttles see (NUM_PROXIES). While locked, even the right password is refused;
the lock ends with the cool-off or `manage.py axes_reset`.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a long operator password"


@pytest.fixture
def operator() -> User:
    return User.objects.create_superuser("+79001234567", PASSWORD)


def log_in(client: Client, phone: str, password: str, **extra):
    return client.post(LOGIN, {"username": phone, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_until_locked(client: Client, phone: str, limit: int, **extra) -> None:
    for attempt in range(limit):
        answer = log_in(client, phone, f"wrong {attempt}", **extra)
        assert answer.status_code == (200 if attempt < limit - 1 else 429), attempt


def test_the_right_password_logs_in(client, operator):
    assert log_in(client, operator.phone, PASSWORD).status_code == 302
    assert logged_in(client)


def test_after_the_limit_of_wrong_passwords_even_the_right_one_is_refused(
    client, operator, settings
):
    fail_until_locked(client, operator.phone, settings.AXES_FAILURE_LIMIT)
    answer = log_in(client, operator.phone, PASSWORD)
    assert answer.status_code == 429
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_the_lock_ends_after_the_cool_off(client, operator, settings):
    fail_until_locked(client, operator.phone, settings.AXES_FAILURE_LIMIT)
    assert log_in(client, operator.phone, PASSWORD).status_code == 429
    # The cool-off has passed for the recorded failures (rather than waiting an hour here).
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert log_in(client, operator.phone, PASSWORD).status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize(
    "command",
    [
        ["axes_reset"],
        ["axes_reset_username", "{phone}"],
        ["axes_reset_ip_username", "127.0.0.1", "{phone}"],
    ],
    ids=["everything", "the-phone", "the-phone-at-the-address"],
)
def test_an_operator_unlocks_with_axes_reset(client, operator, settings, command):
    fail_until_locked(client, operator.phone, settings.AXES_FAILURE_LIMIT)
    call_command(*(part.format(phone=operator.phone) for part in command))
    assert log_in(client, operator.phone, PASSWORD).status_code == 302


def test_the_lock_is_per_username_and_client(operator, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail_until_locked(attacker, operator.phone, settings.AXES_FAILURE_LIMIT)
    # The operator at their own address is not locked out by the attacker's guesses...
    assert log_in(Client(REMOTE_ADDR="198.51.100.1"), operator.phone, PASSWORD).status_code == 302
    # ...and another account from the attacker's address is still judged on its own.
    other = User.objects.create_superuser("+79007654321", PASSWORD)
    assert log_in(attacker, other.phone, PASSWORD).status_code == 302


def test_behind_a_proxy_the_client_is_the_address_the_throttles_see(operator, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="10.0.0.5")  # every request comes through the proxy
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    fail_until_locked(proxy, operator.phone, settings.AXES_FAILURE_LIMIT, **attacker)
    # A made-up left-most address does not dodge the lock: the proxy's right-most one counts.
    spoofed = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7"}
    assert log_in(proxy, operator.phone, PASSWORD, **spoofed).status_code == 429
    # Another client through the same proxy logs in.
    operator_itself = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert (
        log_in(
            Client(REMOTE_ADDR="10.0.0.5"), operator.phone, PASSWORD, **operator_itself
        ).status_code
        == 302
    )


def test_the_phone_login_of_the_pages_leaves_no_admin_login_records(client, phone, draw_codes):
    draw_codes("4321")
    client.post("/", {"phone": phone})
    assert client.post("/code/", {"code": "4321"}).status_code == 302
    assert logged_in(client)
    client.post("/logout/")
    assert not AccessLog.objects.exists()
    assert not AccessAttempt.objects.exists()
