"""nginx in front of gunicorn (deploy/nginx/referral.conf.template): what nginx answers itself
under /api/ is the contract's JSON, and the Host reaches Django.

The very template docker-compose.yml mounts, filled in the way the nginx image does (the
harness's NginxServer), run by Debian's nginx on a spare port in front of gunicorn with
production settings. Skipped where nginx is not installed (`apt-get install nginx`), failed in
CI. That slow clients wait in nginx, not in gunicorn's workers, is a drill
(drills/test_proxy.py).
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from harness import Api, NginxServer, Stack, database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def front(django_db_setup, tmp_path_factory):
    """(an Api through nginx, the gunicorn process behind it)."""
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: apt-get install -y nginx")
        pytest.skip("nginx is missing: apt-get install -y nginx")
    tmp = tmp_path_factory.mktemp("proxy")
    env = {"TRUST_PROXY_SSL_HEADER": "1", "NUM_PROXIES": "1", "STATIC_ROOT": str(tmp)}
    with Stack(
        tmp,
        database_url=database_url(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        broker_url=settings.CELERY_BROKER_URL,
        env=env,
    ) as stack:
        web = stack.web(WEB_CONCURRENCY="2")
        proxy = NginxServer(web.url.removeprefix("http://"))
        proxy.start()
        try:
            yield Api(proxy.url), web
        finally:
            proxy.cleanup()


def test_a_body_over_nginx_limit_is_the_contracts_json_413(front):
    api, _ = front
    for language, detail in [("en", "The request body is too large."),
                             ("ru", "Тело запроса слишком велико.")]:  # fmt: skip
        answer = api.post(
            "/api/v1/auth/send-code/",
            {"phone": "x" * (4 * 1024 * 1024)},
            headers={"Accept-Language": language},
        )
        assert answer.status == 413
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.body == {"code": "payload_too_large", "detail": detail}


def test_the_host_and_the_client_reach_the_app(front):
    api, _ = front
    answer = api.get("/api/v1/profile/", headers={"Host": "evil.example"})
    assert (answer.status, answer.code) == (400, "bad_request")  # Django saw the Host
    headers = api.get("/healthz").headers
    assert "nginx/" not in headers.get("Server", "")  # no version shown


def test_with_gunicorn_down_the_api_answers_the_contracts_json_503(front):
    """Last: it stops the module's gunicorn."""
    api, web = front
    web.stop()
    answer = api.get("/api/v1/profile/")
    assert answer.status == 503
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.code == "service_unavailable"
