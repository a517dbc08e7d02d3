"""The referral programme as an outside client meets it: HTTP to gunicorn on the test settings,
behind one trusted proxy (`NUM_PROXIES=1`, so `X-Forwarded-For` is the client's address), with
`REFERRAL_MAX_PER_HOUR=3`, and the session's real worker delivering the login codes. The
fraud checks, the stats and the QR code, black-box (the in-process tests of each rule are in
test_fraud.py and test_stats_and_qr.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from harness import Api

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

INVITE = "/api/v1/profile/invite/"
PROFILE = "/api/v1/profile/"
STATS = "/api/v1/profile/referrals/stats/"
QR = "/api/v1/profile/qr/"


@pytest.fixture(scope="module")
def web(test_stack):
    process = test_stack.web(
        "programme-web", WEB_CONCURRENCY="1", NUM_PROXIES="1", REFERRAL_MAX_PER_HOUR="3"
    )
    yield process
    process.stop()


def from_address(web, address: str) -> Api:
    return Api(web.url, headers={"X-Forwarded-For": address})


def login(web, phone: str, address: str) -> str:
    """Log `phone` in from `address`; its access token."""
    return from_address(web, address).login(phone)["access"]


def test_activations_from_the_inviters_network_or_past_the_hourly_limit_wait_for_review(
    web, new_phone
):
    inviter = new_phone()
    token = login(web, inviter, "203.0.113.10")
    code = from_address(web, "203.0.113.10").get(PROFILE, token=token).body["invite_code"]

    # (invitee's address, the status its activation gets): the second is on the inviter's /24;
    # the fourth is the code's fourth activation in the hour, past REFERRAL_MAX_PER_HOUR=3.
    activations = [
        ("198.51.100.1", "active"),
        ("203.0.113.99", "pending_review"),
        ("192.0.2.1", "active"),
        ("100.64.0.1", "pending_review"),
    ]
    invitees = []
    for address, _status in activations:
        invitee = new_phone()
        client = from_address(web, address)
        answer = client.post(INVITE, {"invite_code": code}, token=login(web, invitee, address))
        assert answer.status == 200, answer.body
        invitees.append(invitee)

    profile = from_address(web, "203.0.113.10").get(PROFILE, token=token).body
    # Flagged activations are listed and counted like the others, newest first.
    assert profile["referrals_count"] == 4
    assert [(r["phone"], r["status"]) for r in profile["referrals"]] == [
        (phone, status)
        for phone, (_address, status) in reversed(list(zip(invitees, activations, strict=True)))
    ]


def test_stats_list_every_day_oldest_first_with_todays_activation_last(web, new_phone):
    inviter, invitee = new_phone(), new_phone()
    token = login(web, inviter, "203.0.113.10")
    api = from_address(web, "203.0.113.10")
    code = api.get(PROFILE, token=token).body["invite_code"]
    invitee_client = from_address(web, "198.51.100.7")
    activated = invitee_client.post(
        INVITE, {"invite_code": code}, token=login(web, invitee, "198.51.100.7")
    )
    assert activated.status == 200, activated.body

    stats = api.get(f"{STATS}?days=7&tz=Europe/Moscow", token=token)
    assert stats.status == 200, stats.body
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert [day["date"] for day in stats.body["days"]] == [
        (today - timedelta(days=back)).isoformat() for back in range(6, -1, -1)
    ]
    assert [day["count"] for day in stats.body["days"]] == [0, 0, 0, 0, 0, 0, 1]
    assert stats.body["total"] == 1

    for query in ["days=0", "days=367", "days=week", "tz=Mars/Olympus_Mons", "tz="]:
        refused = api.get(f"{STATS}?{query}", token=token)
        assert (refused.status, refused.code) == (400, "invalid"), query


def test_the_qr_code_is_svg_or_png_and_wants_a_token(web, new_phone):
    api = from_address(web, "203.0.113.10")
    token = login(web, new_phone(), "203.0.113.10")

    svg = api.get(QR, token=token)
    assert svg.status == 200
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in svg.text

    png = api.get(f"{QR}?format=png", token=token)
    assert png.status == 200
    assert png.headers["Content-Type"] == "image/png"
    assert png.text[1:4] == "PNG"  # the signature's first byte is not UTF-8

    anonymous = api.get(QR)
    assert anonymous.status == 401
