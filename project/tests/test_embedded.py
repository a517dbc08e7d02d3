"""The embedded default: `scripts/run` (what `make run` runs) with no PostgreSQL, Redis, broker."""

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from project.tests.servers import spare_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def call(base: str, path: str, body: dict | None = None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def embedded(tmp_path):
    port = spare_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    # Still the embedded default (SQLite, no Redis, no broker), in a file of the test's own.
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", BIND=f"127.0.0.1:{port}")
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BASE_DIR / "scripts" / "run")], cwd=BASE_DIR, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if call(base, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the embedded service did not start:\n{log.read_text()}")
        yield base, log, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_embedded_default_runs_the_whole_login(embedded):
    base, log, _ = embedded
    assert "Embedded mode" in log.read_text()
    assert call(base, "/readyz") == (200, {"database": "ok", "redis": "ok", "broker": "ok"})

    status, sent = call(base, "/api/v1/auth/send-code/", {"phone": "8 962 851-87-53"})
    assert status == 202
    # No broker: the SMS went out in-process, so it is already in the inbox.
    status, inbox = call(base, "/api/v1/dev/sms/?phone=%2B79628518753")
    code = re.search(r"\b(\d{4})\b", inbox["results"][0]["text"]).group(1)

    status, login = call(base, "/api/v1/auth/verify-code/", {"phone": sent["phone"], "code": code})
    assert status == 200
    assert login["is_new_user"] is True
    status, profile = call(base, "/api/v1/profile/", token=login["access"])
    assert status == 200
    assert profile["phone"] == "+79628518753"


def test_stopping_the_script_stops_the_server(embedded):
    """A process manager's TERM to `scripts/run` must not leave gunicorn running orphaned."""
    base, _, process = embedded
    process.terminate()
    process.wait(timeout=20)
    with pytest.raises(urllib.error.URLError):  # connection refused
        call(base, "/healthz")
