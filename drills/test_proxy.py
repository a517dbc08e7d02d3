"""Slow clients: behind nginx (deploy/nginx, as docker-compose.yml runs it) they wait in nginx
and gunicorn's sync workers keep answering; facing gunicorn directly they hold every worker."""

import os
import shutil
import socket
import threading
import time

import pytest

from harness import NginxServer

pytestmark = pytest.mark.drill

SLOW_CLIENTS = 5  # more than the stack's two sync workers


class SlowClients:
    """Clients that send a POST's headers, then its body at one byte a second."""

    def __init__(self, base: str, count: int = SLOW_CLIENTS) -> None:
        self.port = int(base.rsplit(":", 1)[1])
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


def healthz_seconds(api, timeout: float) -> float:
    """How long /healthz takes (`timeout` if it does not answer within it)."""
    try:
        return api.get("/healthz").seconds
    except TimeoutError:
        return timeout


@pytest.fixture(scope="module")
def proxy(stack):
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        pytest.fail("nginx is missing: apt-get install -y nginx")
    server = NginxServer(stack.web_process.url.removeprefix("http://"))
    server.start()
    yield server
    server.cleanup()


def test_slow_clients_behind_nginx_leave_the_workers_free(proxy, api, drill_report):
    from harness import Api

    behind = Api(proxy.url, timeout=5)
    direct = Api(api.base, timeout=3)
    with SlowClients(proxy.url):
        through_nginx = healthz_seconds(behind, timeout=5)
        straight = healthz_seconds(direct, timeout=5)
    with SlowClients(api.base):
        facing_gunicorn = healthz_seconds(direct, timeout=3)

    drill_report.add(
        f"{SLOW_CLIENTS} clients sending a body at 1 byte/s, 2 sync workers",
        f"behind nginx: /healthz in {through_nginx:.3f} s through nginx and "
        f"{straight:.3f} s straight to gunicorn; facing gunicorn directly: /healthz "
        f"{'did not answer within 3 s' if facing_gunicorn >= 3 else f'in {facing_gunicorn:.3f} s'}",
        0,
    )
    assert through_nginx < 1
    assert straight < 1  # no worker is held
    assert facing_gunicorn >= 3  # the check above can fail: slow clients do hold sync workers
