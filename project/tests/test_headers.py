"""The security headers of the answers: no cache keeps a personal answer, and the pages run
under a Content-Security-Policy (the browser checks it in test_browser.py)."""

import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def uncacheable(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_login_answers_with_tokens_are_not_stored(api, phone, draw_codes):
    draw_codes("4321")
    sent = api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json")
    assert sent.status_code == 202
    login = api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": "4321"}, format="json")
    assert login.status_code == 200
    refreshed = api.post(
        "/api/v1/auth/token/refresh/", {"refresh": login.json()["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    for answer in (sent, login, refreshed):
        assert uncacheable(answer), answer.request["PATH_INFO"]


def test_the_profile_and_the_referrals_are_not_stored(auth_api):
    client = auth_api(UserFactory())
    for path in ("/api/v1/profile/", "/api/v1/profile/referrals/"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert uncacheable(answer), path


def test_api_errors_are_not_stored_either(api):
    assert uncacheable(api.get("/api/v1/profile/"))  # 401
    assert uncacheable(api.get("/api/v1/nope/"))  # 404 outside DRF


def test_the_profile_page_and_the_login_pages_are_not_stored(client, phone, draw_codes):
    assert uncacheable(client.get("/"))
    draw_codes("4321")
    client.post("/", {"phone": phone})
    assert uncacheable(client.get("/code/"))
    client.post("/code/", {"code": "4321"})
    profile = client.get("/profile/")
    assert profile.status_code == 200
    assert uncacheable(profile)


def test_the_pages_have_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_api_docs_may_style_inline_but_run_only_their_own_scripts(client):
    for path in ("/api/docs/", "/api/redoc/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert "'unsafe-inline'" in directives["style-src"], path


def test_json_answers_do_not_pay_for_a_policy(api):
    assert "Content-Security-Policy" not in api.get("/healthz")
