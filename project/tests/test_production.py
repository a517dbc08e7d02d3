"""Production settings, loaded the way a deployment loads them: in a process of their own.

`manage.py check --deploy` must pass clean with realistic values (CI runs this file), and the
settings must refuse what would be unsafe.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import Api, Stack

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# What a real deployment sets (see README, "Deploying").
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "0",
    "ALLOWED_HOSTS": "referral.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://referral.example.com",
    "DATABASE_URL": "postgres://referral:a-password@db.example.internal:5432/referral",
    "REDIS_URL": "redis://redis.example.internal:6379/0",
    "CELERY_BROKER_URL": "redis://redis.example.internal:6379/1",
    "TRUST_PROXY_SSL_HEADER": "1",
    "NUM_PROXIES": "1",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """`python <args>` in a clean environment: production values, then `env` (None unsets)."""
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    environment.update(PRODUCTION_ENV)
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def production_settings(*names: str, **env: str) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run(["-c", script], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_check_deploy_passes_clean_with_production_values():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        "change-me",
        "django-insecure-" + secrets.token_urlsafe(64),
        "x" * 80,
    ],
    ids=["unset", "empty", "short", "django-insecure", "one-character"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    result = run(["manage.py", "check"], SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = run(["manage.py", "check"], DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run(["manage.py", "check"], ALLOWED_HOSTS=None)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.skipif((BASE_DIR / ".env").exists(), reason="a local .env may change the defaults")
def test_production_defaults_are_the_safe_ones():
    found = production_settings(
        "DEBUG",
        "SMS_INBOX_ENABLED",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "LOG_FORMAT",
        "REST_FRAMEWORK",
        TRUST_PROXY_SSL_HEADER=None,
        NUM_PROXIES=None,
    )
    assert found["DEBUG"] is False
    assert found["SMS_INBOX_ENABLED"] is False
    assert found["SECURE_PROXY_SSL_HEADER"] is None  # X-Forwarded-Proto is not trusted
    assert found["REST_FRAMEWORK"]["NUM_PROXIES"] == 0  # nor is X-Forwarded-For
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["LOG_FORMAT"] == "json"


def test_hsts_lasts_a_year_and_preload_is_the_domain_owners_choice():
    found = production_settings(
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"
    )
    assert found["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is False
    opted_in = production_settings("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="1")
    assert opted_in["SECURE_HSTS_PRELOAD"] is True
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 SECURE_HSTS_PRELOAD="1")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_query_is_bounded_unless_switched_off():
    bounded = production_settings("DATABASES")["DATABASES"]["default"]
    assert bounded["ENGINE"] == "project.postgresql"
    assert bounded["OPTIONS"] == {"connect_timeout": 2, "query_timeout": 5.0, "idle_connections": 8}
    unbounded = production_settings("DATABASES", DATABASE_QUERY_TIMEOUT_SECONDS="0")
    assert unbounded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_a_configured_proxy_is_trusted():
    found = production_settings("SECURE_PROXY_SSL_HEADER", "REST_FRAMEWORK")
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["REST_FRAMEWORK"]["NUM_PROXIES"] == 1


@pytest.fixture
def production_gunicorn(tmp_path):
    """gunicorn as the image runs it, with production settings; yields (an Api, log path).

    Nothing here reaches the (unreachable) database or Redis: /healthz touches nothing, and
    an unknown /api/ path is answered before any view runs.
    """
    env = {
        **PRODUCTION_ENV,
        "WEB_CONCURRENCY": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path),  # no collectstatic needed
    }
    with Stack(
        tmp_path,
        database_url=PRODUCTION_ENV["DATABASE_URL"],
        redis_url=PRODUCTION_ENV["REDIS_URL"],
        broker_url=PRODUCTION_ENV["CELERY_BROKER_URL"],
        env=env,
    ) as stack:
        web = stack.web()
        yield Api(web.url), web.log


def get(api: Api, path: str, request_id: str) -> int:
    return api.get(path, headers={"X-Request-ID": request_id}).status


def test_production_logs_one_json_line_per_request_without_the_query_string(
    production_gunicorn,
):
    api, log = production_gunicorn
    assert get(api, "/healthz?phone=%2B79161234567", "one-line-0001") == 200
    assert get(api, "/api/v1/nope/?ref=K7Q2ZP&cursor=cD0x", "one-line-0002") == 404
    time.sleep(0.3)  # the lines are written after the answers
    text = log.read_text()
    records = [json.loads(line) for line in text.splitlines()]  # each line one JSON object
    for secret in ("79161234567", "K7Q2ZP", "cD0x", "?"):
        assert secret not in text, text
    for request_id, path, status in [
        ("one-line-0001", "/healthz", 200),
        ("one-line-0002", "/api/v1/nope/", 404),
    ]:
        [line] = [r for r in records if r.get("request_id") == request_id]
        assert (line["logger"], line["path"], line["status"]) == ("project.request", path, status)
    # Nothing else writes a line about a request (gunicorn's access log is off).
    about_requests = [r for r in records if "/healthz" in r["message"] or "/nope/" in r["message"]]
    assert {r["logger"] for r in about_requests} == {"project.request"}, text


def test_production_answers_carry_the_security_headers(production_gunicorn):
    api, _ = production_gunicorn

    def headers(path: str):
        # As through the TLS-terminating proxy this deployment trusts (TRUST_PROXY_SSL_HEADER).
        return api.get(path, headers={"X-Forwarded-Proto": "https"}).headers

    probe = headers("/healthz")
    assert probe["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert probe["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in headers("/api/v1/nope/")["Cache-Control"]
    page = headers("/nope/")  # Django's own 404 page: HTML without static files to collect
    assert page["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
