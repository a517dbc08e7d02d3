"""The embedded default: `scripts/run` (what `make run` runs) with no PostgreSQL, Redis, broker."""

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from harness import Api, spare_port
from harness.servers import HTTPService

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def embedded(tmp_path):
    """`scripts/run` (what `make run` runs) with no DATABASE_URL, REDIS_URL or broker set."""
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
        service = HTTPService(
            [str(BASE_DIR / "scripts" / "run")],
            url=f"http://127.0.0.1:{port}/healthz",
            cwd=str(BASE_DIR),
            envvars=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=60,
        )
        service.start()
    try:
        yield Api(f"http://127.0.0.1:{port}"), log, service.process, tmp_path / "db.sqlite3"
    finally:
        service.stop()


def test_the_embedded_default_runs_the_whole_login(embedded):
    api, log, _, database = embedded
    assert "Embedded mode" in log.read_text()
    ready = api.get("/readyz")
    assert (ready.status, ready.body) == (200, {"database": "ok", "redis": "ok", "broker": "ok"})

    # No broker: the SMS goes out in-process, so it is in the inbox when send-code answers.
    login = api.login("8 962 851-87-53", timeout=0)
    assert login["is_new_user"] is True
    profile = api.get("/api/v1/profile/", token=login["access"])
    assert profile.status == 200
    assert profile.body["phone"] == "+79628518753"
    # The message log's upsert (its own SQL, sms.services) works on SQLite too.
    with closing(sqlite3.connect(database)) as db:
        logged = db.execute("SELECT phone, status, attempts FROM sms_smslog").fetchall()
    assert logged == [("+79628518753", "sent", 1)]


def test_stopping_the_script_stops_the_server(embedded):
    """A process manager's TERM to `scripts/run` must not leave gunicorn running orphaned."""
    api, _, process, _ = embedded
    process.terminate()
    process.wait(timeout=20)
    with pytest.raises(ConnectionRefusedError):
        api.get("/healthz")
