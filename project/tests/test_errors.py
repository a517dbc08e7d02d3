"""Every answer under /api/ is the contract's JSON, whatever went wrong, DEBUG on or off."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.views import APIView

from project.urls import handler400  # noqa: F401  the project's, for this module's urlconf

pytestmark = pytest.mark.django_db


class BrokenApi(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        raise RuntimeError("a bug, with a secret in its message")


def form_view(request):
    """A plain Django view, CSRF-checked like any view that is not exempt; it reads the form."""
    return HttpResponse(request.POST.get("field", ""))


urlpatterns = [
    path("api/v1/broken/", BrokenApi.as_view()),
    path("api/v1/form/", form_view),
    path("form/", form_view),
    path("", include("project.urls")),
]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["/api/nope/", "/api/v1/profile", "/api/v1/auth/send-code"])
def test_an_unknown_api_path_is_a_json_404(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_wrong_method_is_405(api):
    response = api.get("/api/v1/auth/send-code/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_form_body_is_415(api):
    form = "application/x-www-form-urlencoded"
    response = api.post("/api/v1/auth/send-code/", "phone=%2B79628518753", content_type=form)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", ['{"phone": ', "[1, 2", "\xff"])
def test_malformed_json_is_400_parse_error(api, body):
    response = api.post("/api/v1/auth/send-code/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("body", ["[]", '"phone"', "42", "null"])
def test_a_json_body_that_is_not_an_object_is_400_invalid(api, body):
    response = api.post("/api/v1/auth/send-code/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.usefixtures("debug")
@pytest.mark.urls("project.tests.test_errors")
def test_a_bug_is_a_json_500_without_a_traceback(api, caplog):
    response = api.get("/api/v1/broken/")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": "Internal server error."}
    assert "secret" not in response.content.decode()
    assert any(r.exc_info and "secret" in str(r.exc_info[1]) for r in caplog.records)


def test_details_follow_accept_language(api):
    english = api.post("/api/v1/auth/send-code/", {"phone": "x"}, format="json")
    russian = api.post(
        "/api/v1/auth/send-code/", {"phone": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert english.json()["code"] == russian.json()["code"] == "invalid_phone"
    assert english.json()["detail"] == "This is not a valid phone number."
    assert russian.json()["detail"] != english.json()["detail"]
    assert russian["Content-Language"] == "ru"


def test_healthz_touches_nothing(api, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_backing_service(api):
    response = api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "broker": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_probes_answer_405_to_anything_but_get_and_head(api, path, method):
    assert getattr(api, method)(path).status_code == 405
    assert api.head(path).status_code == 200


# Bodies the JSON parser cannot take: too large, or nested too deeply.

JSON_ENDPOINTS = [
    "/api/v1/auth/send-code/",
    "/api/v1/auth/verify-code/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/profile/invite/",
]


@pytest.fixture
def logged_in(auth_api):
    """A client with a token: the authenticated endpoints read the body only after the login."""
    from accounts.tests.factories import UserFactory

    return auth_api(UserFactory())


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_a_body_over_the_upload_limit_is_413_payload_too_large(logged_in, settings, path):
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = logged_in.post(path, f'{{"phone": "{padding}"}}', content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("path", ["/api/v1/auth/send-code/", "/api/v1/auth/verify-code/"])
def test_a_body_over_the_upload_limit_is_413_without_a_login_too(api, settings, path):
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = api.post(path, f'{{"phone": "{padding}"}}', content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_too_deeply_is_400_parse_error(logged_in, path, depth):
    body = "[" * depth + "]" * depth
    response = logged_in.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_nested_deeply_but_parseable_is_still_read(api):
    body = '{"phone": "x", "extra": ' + "[" * 100 + "]" * 100 + "}"
    response = api.post("/api/v1/auth/send-code/", body, content_type="application/json")
    assert response.json()["code"] == "invalid_phone"  # parsed: the phone itself is refused


# CSRF and Host: refused before any view runs, still the contract's JSON under /api/.


@pytest.fixture
def browser_like():
    """Django's test client with the CSRF checks a browser gets (DRF's test client skips them)."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/send-code", "/api/v1/nonexistent/", "/api/nope", "/api/"]
)
def test_an_unknown_api_path_is_a_json_404_for_every_method_with_csrf_checks(
    browser_like, method, path
):
    response = getattr(browser_like, method)(path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.usefixtures("debug")
@pytest.mark.urls("project.tests.test_errors")
def test_a_csrf_refusal_under_the_api_is_json(browser_like):
    response = browser_like.post("/api/v1/form/", {"field": "value"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"


@pytest.mark.urls("project.tests.test_errors")
def test_a_csrf_refusal_of_a_page_is_still_djangos_page(browser_like):
    response = browser_like.post("/form/", {"field": "value"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"CSRF" in response.content


@pytest.fixture
def strict_hosts(settings):
    settings.ALLOWED_HOSTS = ["referral.example.com"]


@pytest.mark.usefixtures("debug", "strict_hosts")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/profile/"),
        ("post", "/api/v1/auth/send-code/"),
        ("get", "/api/nope/"),
        ("get", "/api/schema.json"),
    ],
)
def test_a_disallowed_host_under_the_api_is_json_400(client, method, path):
    response = getattr(client, method)(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "bad_request"


@pytest.mark.usefixtures("strict_hosts")
def test_an_allowed_host_passes(client):
    response = client.get("/api/v1/profile/", HTTP_HOST="referral.example.com")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.usefixtures("strict_hosts")
def test_a_disallowed_host_of_a_page_is_still_djangos_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.usefixtures("debug")
def test_too_many_query_fields_are_400_bad_request(logged_in, settings):
    fields = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = logged_in.get(f"/api/v1/profile/referrals/?{fields}")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.urls("project.tests.test_errors")
def test_a_form_over_the_upload_limit_outside_drf_is_413_json(settings):
    """Django's handler400 answers a SuspiciousOperation raised outside DRF: here a plain view
    reading a form body over the limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = Client().post("/api/v1/form/", {"field": "x" * 200})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.usefixtures("strict_hosts")
def test_the_new_refusals_speak_russian_too(api, settings):
    deep = "[" * 5_000 + "]" * 5_000
    big = '{"phone": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'

    def send(body, **headers):
        return api.post(
            "/api/v1/auth/send-code/", body, content_type="application/json",
            HTTP_HOST="referral.example.com", **headers,
        )  # fmt: skip

    refusals = {
        "parse_error": lambda **headers: send(deep, **headers),
        "payload_too_large": lambda **headers: send(big, **headers),
        "bad_request": lambda **headers: api.get(
            "/api/v1/profile/", HTTP_HOST="evil.example", **headers
        ),
    }
    for code, refuse in refusals.items():
        english, russian = refuse(), refuse(HTTP_ACCEPT_LANGUAGE="ru")
        assert english.json()["code"] == russian.json()["code"] == code
        assert russian.json()["detail"] != english.json()["detail"], code
