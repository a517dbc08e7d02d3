"""Operators block and lift number ranges in the admin; send-code obeys at once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from sms.models import BlockedRange

pytestmark = pytest.mark.django_db

BLOCKS = "/admin/sms/blockedrange/"


def send(phone):
    response = APIClient().post("/api/v1/auth/send-code/", {"phone": phone}, format="json")
    return response.json().get("code", response.status_code)


class Operator:
    """The admin's test client; what a POST leaves for after the commit runs when it returns
    (the test's own transaction never commits)."""

    def __init__(self, client, on_commit) -> None:
        self.client, self.on_commit = client, on_commit

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.on_commit(execute=True):
            return self.client.post(*args, **kwargs)


@pytest.fixture
def operator(client, django_capture_on_commit_callbacks):
    client.force_login(User.objects.create_superuser(phone="+79000000004", password="pass"))
    return Operator(client, django_capture_on_commit_callbacks)


def test_an_operator_blocks_a_prefix_typed_as_numbers_are_written(operator):
    assert send("+79027770001") == 202
    response = operator.post(f"{BLOCKS}add/", {"prefix": "+7 (902) 777", "note": "pumping"})
    assert response.status_code == 302
    block = BlockedRange.objects.get()
    assert (block.prefix, block.reason, block.until) == ("+7902777", "operator", None)
    assert send("+79027770002") == "sms_blocked"
    assert send("+79027780001") == 202


@pytest.mark.parametrize("prefix", ["7902", "+0902", "+7902x", "+" + "1" * 16])
def test_a_prefix_that_no_number_starts_with_is_refused(operator, prefix):
    response = operator.post(f"{BLOCKS}add/", {"prefix": prefix})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["prefix"]
    assert not BlockedRange.objects.exists()


def test_changing_a_blocks_end_takes_effect_at_once(operator):
    block = BlockedRange.objects.create(prefix="+7902555")
    until = timezone.localtime(timezone.now() - timedelta(minutes=1))
    response = operator.post(
        f"{BLOCKS}{block.pk}/change/",
        {"prefix": "+7902555", "until_0": until.date(), "until_1": until.time(), "note": ""},
    )
    assert response.status_code == 302
    assert send("+79025550001") == 202


def test_the_list_shows_who_blocked_what_until_when(operator):
    BlockedRange.objects.create(prefix="+7902", note="by hand")
    BlockedRange.objects.create(
        prefix="+79161234",
        reason=BlockedRange.Reason.WATCH,
        until=timezone.now() + timedelta(hours=1),
        note="20 codes sent, 1 verified",
    )
    BlockedRange.objects.create(prefix="+7903", until=timezone.now() - timedelta(hours=1))
    page = operator.get(BLOCKS)
    html = page.content.decode()
    for text in ("+7902", "permanent", "+79161234", "conversion watch", "until", "ended"):
        assert text in html
    in_force = operator.get(BLOCKS, {"in_force": "yes"}).context["cl"].result_list
    assert {block.prefix for block in in_force} == {"+7902", "+79161234"}


def test_lifting_blocks_lets_codes_through_at_once(operator):
    block = BlockedRange.objects.create(prefix="+7902666")
    operator.post(f"{BLOCKS}{block.pk}/change/", {"prefix": "+7902666", "note": ""})
    assert send("+79026660001") == "sms_blocked"
    response = operator.post(BLOCKS, {"action": "lift", "_selected_action": [block.pk]})
    assert response.status_code == 302
    assert not BlockedRange.objects.exists()
    assert send("+79026660001") == 202


def test_deleting_a_block_lifts_it(operator):
    block = BlockedRange.objects.create(prefix="+7902444")
    operator.post(f"{BLOCKS}{block.pk}/change/", {"prefix": "+7902444", "note": ""})
    response = operator.post(f"{BLOCKS}{block.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert send("+79024440001") == 202


def test_a_watch_block_made_permanent_stays(operator):
    block = BlockedRange.objects.create(
        prefix="+7902333",
        reason=BlockedRange.Reason.WATCH,
        until=timezone.now() + timedelta(hours=1),
    )
    response = operator.post(BLOCKS, {"action": "make_permanent", "_selected_action": [block.pk]})
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.until is None
    answer = APIClient().post("/api/v1/auth/send-code/", {"phone": "+79023330001"})
    assert answer.json()["code"] == "sms_blocked"
    assert "retry_after" not in answer.json()
