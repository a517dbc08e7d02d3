"""Scale-out: two web processes and two Celery workers on one PostgreSQL and one Redis.

The processes run the Procfile's commands (release, then two `web` and two `worker`) and the
Dockerfile's collectstatic step with production settings, the way a deployment runs them,
against the test database and a redis-server of this module's own (so that no other worker,
such as the session's, takes a task). Flower watches the same broker.
"""

import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from project.tests.deploy_files import dockerfile_run, procfile
from project.tests.servers import RedisServer, spare_port
from sms.phones import phone_mask

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
FLOWER_AUTH = "ops:flower-test-password"
CODES = 200


def call(base: str, path: str, body=None, *, headers=None, timeout=10.0):
    """(status, JSON body, headers) of one HTTP call."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw.startswith(b"{") else None, error.headers


def log_records(path: Path) -> list[dict]:
    """The JSON records of a process's log (production logs one JSON object a line)."""
    records = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def deliveries(path: Path) -> list[dict]:
    return [
        record
        for record in log_records(path)
        if record.get("logger") == "sms.services" and record["message"].startswith("sms delivered")
    ]


class Stack:
    """The processes of a deployment, each with its log file."""

    def __init__(self, tmp: Path, database_url: str, redis: RedisServer) -> None:
        self.tmp = tmp
        self.processes: list[subprocess.Popen] = []
        self.redis = redis
        self.broker_url = f"redis://127.0.0.1:{redis.port}/1"
        venv_bin = str(Path(sys.executable).parent)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "CELERY_", "FLOWER_"))
        }
        self.env.update(
            PATH=f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
            DJANGO_SETTINGS_MODULE="project.settings.production",
            # One key for every process: a code hashed by one web process is checked by the
            # other, and a token signed by one is accepted by the other.
            SECRET_KEY=secrets.token_urlsafe(64),
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
            DATABASE_URL=database_url,
            REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
            CELERY_BROKER_URL=self.broker_url,
            SMS_BACKEND="sms.backends.simulated.SmsBackend",
            SMS_INBOX_ENABLED="1",  # the test reads the codes, as a developer would
            THROTTLE_SEND_CODE="100000/hour",
            THROTTLE_VERIFY_CODE="100000/hour",
            THROTTLE_USER="100000/minute",
            # 200 codes to one number range in seconds: the range's limit would stop them.
            OTP_MAX_PER_RANGE="100000",
            LOG_FORMAT="json",
            WEB_CONCURRENCY="1",
            STATIC_ROOT=str(tmp / "static"),
        )
        self.webs: list[str] = []
        self.web_logs: list[Path] = []
        self.worker_logs: list[Path] = []
        self.flower = ""

    def start(self, name: str, command: str, **env: str) -> Path:
        log = self.tmp / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                ["sh", "-c", f"exec {command}"],
                cwd=BASE_DIR,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return log

    def run(self, name: str, command: str) -> None:
        """A one-shot step, to its end."""
        log = self.tmp / f"{name}.log"
        with log.open("w") as out:
            result = subprocess.run(
                ["sh", "-c", command], cwd=BASE_DIR, env=self.env, stdout=out,
                stderr=subprocess.STDOUT, timeout=120,
            )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{log.read_text()}")

    def start_all(self) -> None:
        commands = procfile()
        with ThreadPoolExecutor() as pool:
            steps = [
                pool.submit(self.run, "collectstatic", dockerfile_run("collectstatic")),
                pool.submit(self.run, "release", commands["release"]),
            ]
            for step in steps:
                step.result()
        for number in (1, 2):
            port = spare_port()
            log = self.start(f"web{number}", commands["web"], BIND=f"127.0.0.1:{port}")
            self.webs.append(f"http://127.0.0.1:{port}")
            self.web_logs.append(log)
        # The first worker keeps Celery's default name (the compose healthcheck pings it).
        self.worker_logs.append(self.start("worker1", commands["worker"]))
        self.worker_logs.append(self.start("worker2", f"{commands['worker']} -n worker2@%h"))
        flower_port = spare_port()
        self.start(
            "flower",
            "celery -A worker flower",
            FLOWER_PORT=str(flower_port),
            FLOWER_ADDRESS="127.0.0.1",
            FLOWER_BASIC_AUTH=FLOWER_AUTH,
        )
        self.flower = f"http://127.0.0.1:{flower_port}"

    def wait_until_ready(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        waiting = {*(f"{base}/healthz" for base in self.webs), f"{self.flower}/healthcheck"}
        workers: set[str] = set()
        while waiting or len(workers) < 2:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                logs = "\n".join(f"== {log.name}\n{log.read_text()}" for log in self.logs())
                raise RuntimeError(f"the stack did not start:\n{logs}")
            for url in list(waiting):
                try:
                    with urllib.request.urlopen(url, timeout=1):
                        waiting.discard(url)
                except OSError:
                    pass
            # Not control.ping from here: Celery would take this process's CELERY_BROKER_URL
            # (the session worker's broker) over any other broker it is given.
            workers = {
                record["message"]
                for log in self.worker_logs
                for record in log_records(log)
                if record["logger"] == "celery.apps.worker" and record["message"].endswith("ready.")
            }
            time.sleep(0.1)

    def logs(self) -> list[Path]:
        return sorted(self.tmp.glob("*.log"))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """Started once for the module; the test database exists before the processes start."""
    params = connection.settings_dict
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    database_url = (
        f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/"
        f"{params['NAME']}"
    )
    tmp = tmp_path_factory.mktemp("stack")
    redis = RedisServer(tmp)
    redis.start()
    running = Stack(tmp, database_url, redis)
    try:
        running.start_all()
        running.wait_until_ready()
        yield running
    finally:
        running.stop()
        redis.stop()


def read_code(base: str, phone: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, inbox, _ = call(base, f"/api/v1/dev/sms/?phone={urllib.request.quote(phone)}")
        if status == 200 and inbox["results"]:
            return re.search(r"\b(\d{4})\b", inbox["results"][0]["text"]).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no SMS reached {phone} within {timeout} s")


def inbox_size(base: str, phone: str) -> int:
    status, inbox, _ = call(base, f"/api/v1/dev/sms/?phone={urllib.request.quote(phone)}")
    assert status == 200
    return len(inbox["results"])


def test_a_code_sent_through_one_web_process_logs_in_through_the_other(stack):
    first, second = stack.webs
    phone = "+79161110001"
    status, sent, _ = call(first, "/api/v1/auth/send-code/", {"phone": phone})
    assert (status, sent["phone"]) == (202, phone)
    code = read_code(second, phone)

    status, login, _ = call(second, "/api/v1/auth/verify-code/", {"phone": phone, "code": code})
    assert status == 200
    assert login["is_new_user"] is True
    bearer = {"Authorization": f"Bearer {login['access']}"}
    status, profile, _ = call(first, "/api/v1/profile/", headers=bearer)
    assert status == 200
    assert profile["phone"] == phone
    # And the code, used once, is used up for both.
    status, again, _ = call(first, "/api/v1/auth/verify-code/", {"phone": phone, "code": code})
    assert (status, again["code"]) == (400, "code_expired")


def test_every_code_sent_is_delivered_exactly_once_across_the_two_workers(stack):
    phones = [f"+7999222{number:04d}" for number in range(CODES)]

    def send(number: int) -> int:
        web = stack.webs[number % 2]
        body = {"phone": phones[number]}
        request_id = {"X-Request-ID": f"scale-out-{number:04d}"}
        return call(web, "/api/v1/auth/send-code/", body, headers=request_id)[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(send, range(CODES))) == {202}

    masks = {phone_mask(phone): number for number, phone in enumerate(phones)}

    def delivered_here(log: Path) -> list[dict]:
        # The module sends to +7999... only here, so these masks (+7999***NNNN) are this test's.
        return [record for record in deliveries(log) if record["phone"] in masks]

    deadline = time.monotonic() + 30
    while sum(len(delivered_here(log)) for log in stack.worker_logs) < CODES:
        assert time.monotonic() < deadline, "not every SMS was delivered within 30 s"
        time.sleep(0.2)
    time.sleep(2.5)  # long enough for a duplicate delivery (1-2 s) to show up too

    per_worker = [delivered_here(log) for log in stack.worker_logs]
    delivered = [record["phone"] for records in per_worker for record in records]
    assert sorted(delivered) == sorted(masks)  # every phone once: none missing, none twice
    assert all(records for records in per_worker), "one worker took every task"
    # Each delivery is logged under the id of the request that sent its code.
    for record in (record for records in per_worker for record in records):
        assert record["request_id"] == f"scale-out-{masks[record['phone']]:04d}"
    # The dev inbox (written by the gateway) agrees: one message a phone.
    with ThreadPoolExecutor(max_workers=16) as pool:
        sizes = list(pool.map(lambda phone: inbox_size(stack.webs[0], phone), phones))
    assert sizes == [1] * CODES


def test_flower_shows_the_sms_tasks_behind_basic_auth_and_without_the_code(stack):
    phone = "+79163330001"
    assert call(stack.webs[0], "/api/v1/auth/send-code/", {"phone": phone})[0] == 202
    read_code(stack.webs[0], phone)

    assert call(stack.flower, "/api/tasks")[0] == 401
    token = base64.b64encode(FLOWER_AUTH.encode()).decode()
    authorized = {"Authorization": f"Basic {token}"}
    deadline = time.monotonic() + 10
    while True:
        status, tasks, _ = call(
            stack.flower, "/api/tasks?taskname=sms.tasks.sms_deliver", headers=authorized
        )
        assert status == 200
        mine = [task for task in tasks.values() if phone_mask(phone) in (task["args"] or "")]
        if mine and mine[0]["state"] == "SUCCESS":
            break
        assert time.monotonic() < deadline, f"Flower did not see the task succeed: {mine}"
        time.sleep(0.2)
    assert "<text hidden>" in mine[0]["args"]
    assert phone not in json.dumps(tasks)  # masked phones only, and never a code


def test_the_compose_worker_healthcheck_pings_the_worker(stack):
    """docker-compose.yml's worker healthcheck, run here against the first worker."""
    command = (
        "celery -A worker inspect ping --destination celery@$HOSTNAME --timeout 5"  # as compose
    )
    result = subprocess.run(
        ["sh", "-c", command],
        cwd=BASE_DIR,
        env={**stack.env, "HOSTNAME": socket.gethostname()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pong" in result.stdout


def test_the_web_logs_are_json_with_the_request_id(stack):
    for log in stack.web_logs:  # gunicorn's own lines too, each once
        lines = log.read_text().splitlines()
        assert all(line.startswith("{") for line in lines), lines
        assert len([line for line in lines if "Listening at" in line]) == 1, lines
    status, _, headers = call(stack.webs[1], "/healthz", headers={"X-Request-ID": "json-log-0001"})
    assert status == 200
    assert headers["X-Request-ID"] == "json-log-0001"
    time.sleep(0.2)
    [line] = [r for r in log_records(stack.web_logs[1]) if r.get("request_id") == "json-log-0001"]
    assert line["logger"] == "project.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)


def test_whitenoise_serves_the_collected_api_docs_assets_with_debug_off(stack):
    manifest = json.loads((Path(stack.env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    for asset in ("drf-yasg/swagger-ui-dist/swagger-ui-bundle.js", "drf-yasg/redoc/redoc.min.js"):
        hashed = manifest["paths"][asset]
        request = urllib.request.Request(
            f"{stack.webs[0]}/static/{hashed}", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"  # compressed at build time
            assert "immutable" in response.headers["Cache-Control"]  # hashed name: cache forever
