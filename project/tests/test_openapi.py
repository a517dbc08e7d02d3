"""The API document (/api/schema.json) and its two pages: valid, complete, and offline."""

import re

import pytest
from swagger_spec_validator.validator20 import validate_spec

pytestmark = pytest.mark.django_db

# Every operation of the contract and the error codes the contract gives it, by status.
COMMON = {503: {"service_unavailable"}, 500: {"server_error"}}
BODY = {
    400: {"invalid", "parse_error"},
    413: {"payload_too_large"},
    415: {"unsupported_media_type"},
}
AUTH = {401: {"not_authenticated", "authentication_failed"}}
THROTTLED = {429: {"throttled"}}
CONTRACT = {
    ("post", "/api/v1/auth/send-code/"): {
        202: set(),
        400: {"invalid_phone", "phone_region_not_allowed", "phone_type_not_allowed"},
        403: {"sms_blocked"},
        429: {"resend_too_soon", "too_many_codes", "sms_rate_limited"},
        503: {"service_unavailable", "sms_budget_exhausted"},
    },
    ("post", "/api/v1/auth/verify-code/"): {
        200: set(),
        400: {"invalid_phone", "invalid_code", "code_expired"},
        403: {"permission_denied"},
        429: {"too_many_attempts"},
    },
    ("post", "/api/v1/auth/token/refresh/"): {200: set(), 401: {"authentication_failed"}},
    ("post", "/api/v1/auth/logout/"): {204: set(), **AUTH},
    ("get", "/api/v1/profile/"): {200: set(), **AUTH},
    ("get", "/api/v1/profile/referrals/"): {200: set(), 400: {"invalid"}, 404: {"not_found"}},
    ("get", "/api/v1/profile/referrals/stats/"): {200: set(), 400: {"invalid"}},
    ("get", "/api/v1/profile/qr/"): {200: set(), 400: {"invalid"}},
    ("post", "/api/v1/profile/invite/"): {
        200: set(),
        400: {"own_invite_code"},
        404: {"invite_code_not_found"},
        409: {"invite_already_activated", "invite_cycle"},
        **AUTH,
    },
    ("get", "/api/v1/dev/sms/"): {
        200: set(),
        400: {"invalid", "invalid_phone"},
        404: {"not_found"},
    },
    # The providers' delivery reports: their own bodies (no serializer), and not throttled.
    ("post", "/api/v1/sms/callbacks/{backend}/{token}/"): {
        200: set(),
        400: {"invalid_callback", "parse_error"},
        403: {"invalid_signature"},
        404: {"not_found"},
        415: {"unsupported_media_type"},
    },
}
CALLBACKS = "/api/v1/sms/callbacks/{backend}/{token}/"
AUTHENTICATED = {
    "/api/v1/auth/logout/",
    "/api/v1/profile/",
    *(p for _, p in CONTRACT if "/profile/" in p),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }


def codes(response: dict) -> set[str]:
    return set(response["schema"]["allOf"][1]["properties"]["code"]["enum"])


def test_the_schema_is_valid_swagger_2(schema):
    assert schema["swagger"] == "2.0"
    validate_spec(schema)


def test_every_operation_of_the_contract_is_documented(schema):
    assert set(operations(schema)) == {*CONTRACT, ("get", "/healthz"), ("get", "/readyz")}


@pytest.mark.parametrize(("method", "path"), list(CONTRACT))
def test_every_answer_of_the_contract_is_documented_with_an_example(schema, method, path):
    operation = schema["paths"][path][method]
    expected = {**COMMON, **CONTRACT[(method, path)]}
    if path != CALLBACKS:
        expected = {**THROTTLED, **expected}
    if method == "post" and path != CALLBACKS:
        expected = {**BODY, **expected, 400: BODY[400] | expected.get(400, set())}
    if path in AUTHENTICATED:
        expected.update(AUTH)
    responses = operation["responses"]
    if path == CALLBACKS:
        assert "429" not in responses
    for status, expected_codes in expected.items():
        assert str(status) in responses, f"{method} {path}: no {status}"
        if status >= 400:
            response = responses[str(status)]
            assert expected_codes <= codes(response), f"{method} {path} {status}"
            examples = response["x-examples"]
            assert set(examples) == codes(response)
            for code, body in examples.items():
                assert body["code"] == code
                assert body["detail"]
            assert response["examples"]["application/json"] in examples.values()
    if path in AUTHENTICATED:
        assert "security" not in operation  # the global Bearer requirement applies
    else:
        assert operation["security"] == []


def test_request_bodies_are_the_views_input_serializers(schema):
    bodies = {
        (method, path): operation["parameters"][0]["schema"]["$ref"]
        for (method, path), operation in operations(schema).items()
        if method == "post" and path != CALLBACKS
    }
    assert schema["paths"][CALLBACKS]["post"]["parameters"] == []  # the provider's own body
    assert bodies == {
        ("post", "/api/v1/auth/send-code/"): "#/definitions/SendCodeRequest",
        ("post", "/api/v1/auth/verify-code/"): "#/definitions/VerifyCodeRequest",
        ("post", "/api/v1/auth/token/refresh/"): "#/definitions/TokenRefreshRequest",
        ("post", "/api/v1/auth/logout/"): "#/definitions/LogoutRequest",
        ("post", "/api/v1/profile/invite/"): "#/definitions/InviteActivateRequest",
    }
    profile = schema["definitions"]["ProfileResponse"]
    assert profile["properties"]["invited_by"]["x-nullable"] is True
    assert set(profile["required"]) == {
        "phone",
        "invite_code",
        "activated_invite_code",
        "invited_by",
        "date_joined",
        "referrals_count",
        "referrals",
        "referral_link",
    }
    referral = schema["definitions"]["Referral"]
    assert referral["properties"]["status"]["enum"] == ["active", "pending_review"]


def test_429_answers_document_the_retry_after_header(schema):
    for operation in operations(schema).values():
        if "429" in operation["responses"]:
            assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_the_bearer_scheme_and_the_tags(schema):
    assert schema["securityDefinitions"] == {
        "Bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": schema["securityDefinitions"]["Bearer"]["description"],
        }
    }
    assert schema["security"] == [{"Bearer": []}]
    tags = {path: operation["tags"] for (_, path), operation in operations(schema).items()}
    assert {tag for path, (tag,) in tags.items() if path.startswith("/api/v1/auth/")} == {"auth"}
    assert {tag for path, (tag,) in tags.items() if "/profile/" in path} == {"profile"}
    assert tags["/api/v1/dev/sms/"] == ["dev"]
    assert tags[CALLBACKS] == ["sms"]
    assert tags["/healthz"] == tags["/readyz"] == ["service"]


def test_the_examples_are_in_english_whatever_the_first_request_asked_for(client):
    response = client.get("/api/schema.json", headers={"accept-language": "ru"})
    responses = response.json()["paths"]["/api/v1/auth/send-code/"]["post"]["responses"]
    assert responses["400"]["x-examples"]["invalid_phone"]["detail"] == (
        "This is not a valid phone number."
    )
    # The per-IP rate is a check of the code store's script: its own RetryLater, not DRF's.
    assert responses["429"]["x-examples"]["throttled"]["detail"] == (
        "Too many requests. Try again in 42 seconds."
    )
    assert responses["415"]["x-examples"]["unsupported_media_type"]["detail"].startswith(
        "Unsupported media type"
    )


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_only_local_static_files(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/static/drf-yasg/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        # No fonts, scripts or validators fetched from the internet.
        for outside in (b"fonts.googleapis", b"fonts.gstatic", b"unpkg.com", b"cdn.jsdelivr"):
            assert outside not in body, (url, outside)
    assert '"validatorUrl": null' in html or page == "/api/redoc/"


def test_the_qr_code_is_documented_as_an_image_and_its_errors_as_json(schema):
    operation = schema["paths"]["/api/v1/profile/qr/"]["get"]
    assert set(operation["produces"]) == {"application/json", "image/svg+xml", "image/png"}
    assert operation["responses"]["200"]["schema"] == {"type": "file"}
    [format_] = [p for p in operation["parameters"] if p["name"] == "format"]
    assert (format_["in"], format_["enum"], format_["default"]) == ("query", ["svg", "png"], "svg")


def test_the_stats_parameters_are_documented_with_their_bounds(schema):
    operation = schema["paths"]["/api/v1/profile/referrals/stats/"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert (params["days"]["minimum"], params["days"]["maximum"]) == (1, 366)
    assert params["tz"]["default"] == "UTC"
    assert {"UTC", "Europe/Moscow", "Asia/Kamchatka"} <= set(params["tz"]["enum"])
    assert "localtime" not in params["tz"]["enum"]
    days = schema["definitions"]["ReferralStatsResponse"]["properties"]["days"]
    assert days["items"]["$ref"] == "#/definitions/DayCount"
    assert set(schema["definitions"]["DayCount"]["properties"]) == {"date", "count"}
