"""nginx in front of gunicorn (deploy/nginx/referral.conf.template): slow clients wait in
nginx, and gunicorn's sync workers keep answering.

The very template docker-compose.yml mounts, filled in the way the nginx image does, run by
Debian's nginx on a spare port in front of gunicorn with production settings. Skipped where
nginx is not installed (`apt-get install nginx`), failed in CI.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from project.tests.servers import spare_port, stop

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TEMPLATE = BASE_DIR / "deploy" / "nginx" / "referral.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKERS = 2  # gunicorn's sync workers; more slow clients than that stall them all
SLOW_CLIENTS = 5


def render(template: str, **values: str) -> str:
    """What the nginx image's envsubst does: ${NAME} for each NAME it is given, nothing else."""
    for name, value in values.items():
        template = template.replace(f"${{{name}}}", value)
    return template


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer:\n{log.read_text()}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """(nginx's base URL, gunicorn's base URL, the gunicorn process)."""
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: apt-get install -y nginx")
        pytest.skip("nginx is missing: apt-get install -y nginx")
    tmp = tmp_path_factory.mktemp("proxy")
    web_port, proxy_port = spare_port(), spare_port()
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        TRUST_PROXY_SSL_HEADER="1",
        NUM_PROXIES="1",
        STATIC_ROOT=str(tmp),
        BIND=f"127.0.0.1:{web_port}",
        WEB_CONCURRENCY=str(WORKERS),
    )
    web_log = tmp / "web.log"
    with web_log.open("w") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "project.wsgi"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    # nginx's own files in a directory its workers (`nobody`, or root here) can write to.
    root = Path(tempfile.mkdtemp(prefix="referral-nginx-"))
    site = render(TEMPLATE.read_text(), REFERRAL_WEB=f"127.0.0.1:{web_port}",
                  REFERRAL_PORT=f"127.0.0.1:{proxy_port}")  # fmt: skip
    (root / "referral.conf").write_text(site)
    (root / "nginx.conf").write_text(
        f"""
        {"user root;" if os.geteuid() == 0 else ""}
        daemon off;
        worker_processes 1;
        pid {root}/nginx.pid;
        error_log {root}/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            access_log off;
            client_body_temp_path {root}/body;
            proxy_temp_path {root}/proxy;
            fastcgi_temp_path {root}/fastcgi;
            uwsgi_temp_path {root}/uwsgi;
            scgi_temp_path {root}/scgi;
            include {root}/referral.conf;
        }}
        """
    )
    proxy_log = root / "stderr.log"
    with proxy_log.open("w") as out:
        proxy = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf")], stdout=out, stderr=out
        )
    web_base, proxy_base = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{proxy_port}"
    try:
        wait_for(f"{web_base}/healthz", web, web_log)
        wait_for(f"{proxy_base}/healthz", proxy, proxy_log)
        yield proxy_base, web_base, web
    finally:
        stop(proxy)
        stop(web)
        shutil.rmtree(root, ignore_errors=True)


class SlowClients:
    """Clients that send a POST's headers, then its body at one byte a second."""

    def __init__(self, base: str, count: int = SLOW_CLIENTS) -> None:
        self.port = int(base.rsplit(":", 1)[1])
        self.count = count
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.trickle) for _ in range(count)]

    def trickle(self) -> None:
        body = b'{"phone": "+79161234567"}'.ljust(60)
        head = (
            "POST /api/v1/auth/send-code/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(head.encode())
            for byte in body:
                if self.done.wait(1):
                    return
                sock.sendall(bytes([byte]))

    def __enter__(self) -> "SlowClients":
        for thread in self.threads:
            thread.start()
        time.sleep(1.5)  # every one of them connected and sending
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()


def healthz_seconds(base: str, timeout: float) -> float:
    """How long /healthz takes (`timeout` if it does not answer within it)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            assert response.status == 200
    except TimeoutError:
        return timeout
    return time.monotonic() - started


def test_behind_nginx_slow_clients_do_not_stall_the_workers(front):
    proxy, web, _ = front
    with SlowClients(proxy):
        assert healthz_seconds(proxy, timeout=5) < 1
        assert healthz_seconds(web, timeout=5) < 1  # no worker is held


def test_without_nginx_the_same_slow_clients_stall_every_worker(front):
    """The check above can fail: the slow clients do hold sync workers that face them."""
    _, web, _ = front
    with SlowClients(web):
        assert healthz_seconds(web, timeout=3) == 3


def call(base: str, path: str, *, data: bytes | None = None, headers=None):
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_body_over_nginx_limit_is_the_contracts_json_413(front):
    proxy, _, _ = front
    for language, detail in [("en", "The request body is too large."),
                             ("ru", "Тело запроса слишком велико.")]:  # fmt: skip
        status, headers, body = call(
            proxy, "/api/v1/auth/send-code/", data=b"x" * (4 * 1024 * 1024),
            headers={"Content-Type": "application/json", "Accept-Language": language},
        )  # fmt: skip
        assert status == 413
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"code": "payload_too_large", "detail": detail}


def test_the_host_and_the_client_reach_the_app(front):
    proxy, _, _ = front
    status, headers, body = call(proxy, "/api/v1/profile/", headers={"Host": "evil.example"})
    assert (status, json.loads(body)["code"]) == (400, "bad_request")  # Django saw the Host
    status, headers, _ = call(proxy, "/healthz")
    assert "Server" not in headers or "nginx/" not in headers["Server"]  # no version shown


def test_with_gunicorn_down_the_api_answers_the_contracts_json_503(front):
    """Last: it stops the module's gunicorn."""
    proxy, _, web = front
    stop(web)
    status, headers, body = call(proxy, "/api/v1/profile/")
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "service_unavailable"
