"""The referral stats (activations per day in a time zone) and the referral link's QR code."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from accounts.tests.factories import UserFactory
from invites.models import Referral
from invites.qr import qr_code_render
from invites.services import invite_activate, invite_login_record, referral_review

STATS = "/api/v1/profile/referrals/stats/"
QR = "/api/v1/profile/qr/"
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")

pytestmark = pytest.mark.django_db


def referral_at(inviter, moment: datetime) -> Referral:
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code)
    Referral.objects.filter(pk=referral.pk).update(activated_at=moment)
    return referral


def test_seven_days_are_seven_dates_oldest_first_with_todays_activation_last(auth_api):
    inviter = UserFactory()
    invite_activate(user=UserFactory(), code=inviter.invite.code)
    answer = auth_api(inviter).get(STATS, {"days": 7})
    assert answer.status_code == 200
    body = answer.json()
    today = datetime.now(zoneinfo.ZoneInfo("UTC")).date()
    assert [day["date"] for day in body["days"]] == [
        (today - timedelta(days=n)).isoformat() for n in range(6, -1, -1)
    ]
    assert [day["count"] for day in body["days"]] == [0, 0, 0, 0, 0, 0, 1]
    assert body["total"] == 1


def test_days_are_calendar_days_in_the_time_zone_asked_for(auth_api):
    inviter = UserFactory()
    today = datetime.now(MOSCOW).date()
    # 01:30 in Moscow two days ago is 22:30 UTC the day before that.
    early = datetime.combine(today - timedelta(days=2), time(1, 30), tzinfo=MOSCOW)
    referral_at(inviter, early)
    referral_at(inviter, early + timedelta(hours=1))
    referral_at(inviter, datetime.combine(today - timedelta(days=10), time(12), tzinfo=MOSCOW))
    client = auth_api(inviter)

    moscow = client.get(STATS, {"days": 5, "tz": "Europe/Moscow"}).json()
    assert [d["count"] for d in moscow["days"]] == [0, 0, 2, 0, 0]
    assert moscow["total"] == 2
    utc = client.get(STATS, {"days": 5}).json()
    counts = {d["date"]: d["count"] for d in utc["days"]}
    assert counts[(today - timedelta(days=3)).isoformat()] == 2  # 22:30 and 23:30 UTC
    assert counts[(today - timedelta(days=2)).isoformat()] == 0
    assert len(client.get(STATS).json()["days"]) == 30
    assert client.get(STATS, {"days": 30}).json()["total"] == 3


def test_rejected_referrals_are_not_counted(auth_api):
    inviter = UserFactory()
    kept = invite_activate(user=UserFactory(), code=inviter.invite.code)
    rejected = invite_activate(user=UserFactory(), code=inviter.invite.code)
    referral_review(referral_id=rejected.pk, decision="reject")
    body = auth_api(inviter).get(STATS, {"days": 1}).json()
    assert body == {
        "total": 1,
        "days": [{"date": kept.activated_at.date().isoformat(), "count": 1}],
    }


def test_the_stats_are_one_query_after_the_user(auth_api, django_assert_num_queries):
    inviter = UserFactory()
    for _ in range(3):
        invite_activate(user=UserFactory(), code=inviter.invite.code)
    client = auth_api(inviter)
    with django_assert_num_queries(2):  # the token's user, then the grouped count
        assert client.get(STATS, {"days": 366, "tz": "Asia/Kamchatka"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"days": 0},
        {"days": 367},
        {"days": -1},
        {"days": "abc"},
        {"days": ""},
        {"days": "1e2"},
        {"days": "1.0"},
        {"days": " 7"},
        {"days": "+7"},
        {"days": "\u0667"},  # an Arabic-Indic seven: a digit to str.isdigit, not ASCII
        {"tz": "Mars/Olympus_Mons"},
        {"tz": "europe/moscow"},
        {"tz": "localtime"},
        {"tz": "../../../etc/passwd"},
        {"tz": ""},
        {"tz": "UTC\x00"},
    ],
)
def test_bad_days_or_tz_are_400_invalid(auth_api, params):
    answer = auth_api(UserFactory()).get(STATS, params)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert list(answer.json()["errors"]) == list(params)


def test_the_stats_need_a_token(api):
    assert api.get(STATS).json()["code"] == "not_authenticated"


# The QR code


@pytest.mark.parametrize(
    ("params", "media_type"),
    [({}, "image/svg+xml"), ({"format": "svg"}, "image/svg+xml"), ({"format": "png"}, "image/png")],
)
def test_the_qr_code_encodes_the_referral_link(auth_api, params, media_type, settings):
    settings.SITE_URL = "https://referral.example.com/"
    user = UserFactory()
    answer = auth_api(user).get(QR, params)
    assert answer.status_code == 200
    assert answer["Content-Type"] == media_type
    link = f"https://referral.example.com/?ref={user.invite.code}"
    assert answer.content == qr_code_render(text=link, kind=params.get("format", "svg"))
    if media_type == "image/png":
        assert answer.content.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert b"<svg" in answer.content


def test_the_qr_code_answers_whatever_the_client_accepts(auth_api):
    answer = auth_api(UserFactory()).get(QR, {"format": "png"}, HTTP_ACCEPT="image/png")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"


@pytest.mark.parametrize("accept", ["*/*", "image/png", "image/svg+xml", "text/html"])
def test_without_a_token_the_qr_code_is_a_json_401(api, accept):
    answer = api.get(QR, {"format": "png"}, HTTP_ACCEPT=accept)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("kind", ["gif", "", "SVG", "json", "api"])
def test_another_format_is_a_json_400_invalid(auth_api, kind):
    answer = auth_api(UserFactory()).get(QR, {"format": kind}, HTTP_ACCEPT="image/png")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "invalid"
    assert list(answer.json()["errors"]) == ["format"]


def test_the_referral_link_is_built_on_site_url_when_set(auth_api, settings):
    user = UserFactory()
    assert auth_api(user).get("/api/v1/profile/").json()["referral_link"] == (
        f"http://testserver/?ref={user.invite.code}"
    )
    settings.SITE_URL = "https://r.example.com"
    assert auth_api(user).get("/api/v1/profile/").json()["referral_link"] == (
        f"https://r.example.com/?ref={user.invite.code}"
    )


def test_the_profile_page_shows_the_qr_code_the_chart_and_the_status(client, settings):
    settings.SITE_URL = "https://r.example.com"
    inviter = UserFactory()
    invite_activate(user=UserFactory(), code=inviter.invite.code)
    client.force_login(inviter)
    html = client.get("/profile/").content.decode()
    assert 'id="qr-code"' in html
    assert "<svg" in html
    assert 'href="/profile/qr/?format=png"' in html
    assert f'value="https://r.example.com/?ref={inviter.invite.code}"' in html
    assert html.count('class="bar"') == 1  # today's activation; 29 empty days
    assert html.count('class="bar empty"') == 29
    assert 'data-status="active"' in html
    png = client.get("/profile/qr/", {"format": "png"})
    assert png["Content-Type"] == "image/png"
    assert (
        png["Content-Disposition"] == f'attachment; filename="referral-{inviter.invite.code}.png"'
    )
    assert png.content == qr_code_render(
        text=f"https://r.example.com/?ref={inviter.invite.code}", kind="png"
    )
    assert client.get("/profile/qr/", {"format": "gif"}).status_code == 400


def test_the_pages_qr_code_needs_a_login(client):
    assert client.get("/profile/qr/")["Location"] == "/"


def test_the_profile_page_speaks_russian_too(client):
    inviter = UserFactory()
    invite_login_record(user=inviter, ip="203.0.113.7")
    invite_activate(user=UserFactory(), code=inviter.invite.code, ip="203.0.113.8")
    client.force_login(inviter)
    html = client.get("/profile/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "на проверке" in html
    assert "Активации за последние 30 дней" in html
    assert "скачать PNG" in html
