"""The dev inbox API itself."""

import pytest

from sms.inbox import inbox_add

INBOX = "/api/v1/dev/sms/"


def test_the_inbox_lists_a_phones_messages_newest_first(api):
    inbox_add(phone="+79628518753", text="first")
    inbox_add(phone="+79628518753", text="second")
    inbox_add(phone="+79161112233", text="someone else's")
    response = api.get(INBOX, {"phone": "8 962 851-87-53"})
    assert response.status_code == 200
    assert [m["text"] for m in response.json()["results"]] == ["second", "first"]
    assert response.json()["results"][0]["sent_at"].endswith("Z")


def test_the_inbox_is_404_when_disabled(api, settings):
    settings.SMS_INBOX_ENABLED = False
    response = api.get(INBOX, {"phone": "+79628518753"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("query", "code"), [({"phone": "nope"}, "invalid_phone"), ({}, "invalid")])
def test_the_inbox_wants_a_valid_phone(api, query, code):
    response = api.get(INBOX, query)
    assert response.status_code == 400
    assert response.json()["code"] == code
