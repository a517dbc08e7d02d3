"""Scale-out: two web processes and two Celery workers on one PostgreSQL and one Redis.

The processes run the Procfile's commands (release, then two `web`, two `worker` and `beat`) and the
Dockerfile's collectstatic step with production settings, the way a deployment runs them,
against the test database and a redis-server of this module's own (so that no other worker,
such as the session's, takes a task). Flower watches the same broker.
"""

import base64
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from harness import Api, RedisServer, Stack, database_url
from project.tests.deploy_files import compose, dockerfile_run
from sms.phones import phone_mask

pytestmark = pytest.mark.django_db(transaction=True)

FLOWER_AUTH = "ops:flower-test-password"
CODES = 200


def log_records(path: Path) -> list[dict]:
    """The JSON records of a process's log (production logs one JSON object a line)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def deliveries(path: Path) -> list[dict]:
    return [
        record
        for record in log_records(path)
        if record.get("logger") == "sms.services" and record["message"].startswith("sms delivered")
    ]


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """Started once for the module, with production settings, on the test database and a
    redis-server of the module's own (so that no other worker, such as the session's, takes a
    task): the Dockerfile's collectstatic step and the Procfile's release, then two web
    processes, two workers and Flower."""
    tmp = tmp_path_factory.mktemp("stack")
    redis = RedisServer(tmp / "redis")
    redis.start()
    env = {
        "SMS_BACKEND": "sms.backends.simulated.SmsBackend",
        "THROTTLE_SEND_CODE": "100000/hour",
        "THROTTLE_VERIFY_CODE": "100000/hour",
        "THROTTLE_USER": "100000/minute",
        # The 200 codes below go to one range of numbers: the range limit is not the subject.
        "OTP_MAX_PER_RANGE": "100000",
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
        "STATIC_ROOT": str(tmp / "static"),
    }
    with Stack(
        tmp,
        database_url=database_url(connection.settings_dict),
        redis_url=redis.database(0),
        broker_url=redis.database(1),
        env=env,
    ) as running:
        with ThreadPoolExecutor() as pool:
            steps = [
                pool.submit(running.run, "collectstatic", dockerfile_run("collectstatic")),
                pool.submit(running.migrate),
            ]
            for step in steps:
                step.result()
        with ThreadPoolExecutor() as pool:  # side by side: each takes seconds to start
            webs = [pool.submit(running.web, name) for name in ("web1", "web2")]
            # The first worker has Celery's default name, which the compose healthcheck pings.
            workers = [pool.submit(running.worker, name) for name in ("celery", "worker2")]
            flower = pool.submit(running.flower, FLOWER_BASIC_AUTH=FLOWER_AUTH)
            beat = pool.submit(running.beat)
        running.webs = [web.result() for web in webs]
        running.workers = [worker.result() for worker in workers]
        running.flower_process = flower.result()
        beat.result()
        yield running
    redis.stop()


def test_a_code_sent_through_one_web_process_logs_in_through_the_other(stack):
    first, second = (Api(web.url) for web in stack.webs)
    phone = "+79161110001"
    sent = first.send_code(phone)
    assert (sent.status, sent.body["phone"]) == (202, phone)
    code = second.read_code(phone)

    login = second.verify_code(phone, code)
    assert login.status == 200
    assert login.body["is_new_user"] is True
    profile = first.get("/api/v1/profile/", token=login.body["access"])
    assert profile.status == 200
    assert profile.body["phone"] == phone
    # And the code, used once, is used up for both.
    again = first.verify_code(phone, code)
    assert (again.status, again.code) == (400, "code_expired")


def test_every_code_sent_is_delivered_exactly_once_across_the_two_workers(stack):
    phones = [f"+7999222{number:04d}" for number in range(CODES)]

    webs = [Api(web.url) for web in stack.webs]

    def send(number: int) -> int:
        request_id = {"X-Request-ID": f"scale-out-{number:04d}"}
        return webs[number % 2].send_code(phones[number], headers=request_id).status

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(send, range(CODES))) == {202}

    masks = {phone_mask(phone): number for number, phone in enumerate(phones)}

    def delivered_here(log: Path) -> list[dict]:
        # The module sends to +7999... only here, so these masks (+7999***NNNN) are this test's.
        return [record for record in deliveries(log) if record["phone"] in masks]

    worker_logs = [worker.log for worker in stack.workers]
    deadline = time.monotonic() + 30
    while sum(len(delivered_here(log)) for log in worker_logs) < CODES:
        assert time.monotonic() < deadline, "not every SMS was delivered within 30 s"
        time.sleep(0.2)
    time.sleep(2.5)  # long enough for a duplicate delivery (1-2 s) to show up too

    per_worker = [delivered_here(log) for log in worker_logs]
    delivered = [record["phone"] for records in per_worker for record in records]
    assert sorted(delivered) == sorted(masks)  # every phone once: none missing, none twice
    assert all(records for records in per_worker), "one worker took every task"
    # Each delivery is logged under the id of the request that sent its code.
    for record in (record for records in per_worker for record in records):
        assert record["request_id"] == f"scale-out-{masks[record['phone']]:04d}"
    # The dev inbox (written by the gateway) agrees: one message a phone.
    with ThreadPoolExecutor(max_workers=16) as pool:
        sizes = list(pool.map(lambda phone: len(webs[0].inbox(phone)), phones))
    assert sizes == [1] * CODES


def test_flower_shows_the_sms_tasks_behind_basic_auth_and_without_the_code(stack):
    phone = "+79163330001"
    web, flower = Api(stack.webs[0].url), Api(stack.flower_process.url)
    assert web.send_code(phone).status == 202
    web.read_code(phone)

    assert flower.get("/api/tasks").status == 401
    token = base64.b64encode(FLOWER_AUTH.encode()).decode()
    authorized = {"Authorization": f"Basic {token}"}
    deadline = time.monotonic() + 10
    while True:
        answer = flower.get("/api/tasks?taskname=sms.tasks.sms_deliver", headers=authorized)
        assert answer.status == 200
        tasks = answer.body
        mine = [task for task in tasks.values() if phone_mask(phone) in (task["args"] or "")]
        if mine and mine[0]["state"] == "SUCCESS":
            break
        assert time.monotonic() < deadline, f"Flower did not see the task succeed: {mine}"
        time.sleep(0.2)
    assert "<text hidden>" in mine[0]["args"]
    assert phone not in json.dumps(tasks)  # masked phones only, and never a code


def test_the_compose_worker_healthcheck_pings_the_worker(stack):
    """docker-compose.yml's worker healthcheck, run here against the first worker."""
    [command] = compose()["services"]["worker"]["healthcheck"]["test"][1:]
    output = stack.run("healthcheck", command.replace("$$", "$"), HOSTNAME=socket.gethostname())
    assert "pong" in output


def test_the_compose_beat_healthcheck_pings_beat(stack):
    """docker-compose.yml's beat healthcheck, run here against the Procfile's beat."""
    [command] = compose()["services"]["beat"]["healthcheck"]["test"][1:]
    output = stack.run(
        "beat-healthcheck", command.replace("$$", "$"), HOSTNAME=socket.gethostname()
    )
    assert "pong" in output


def test_the_web_logs_are_json_with_the_request_id(stack):
    for web in stack.webs:  # gunicorn's own lines too, each once
        lines = web.log.read_text().splitlines()
        assert all(line.startswith("{") for line in lines), lines
        assert len([line for line in lines if "Listening at" in line]) == 1, lines
    answer = Api(stack.webs[1].url).get("/healthz", headers={"X-Request-ID": "json-log-0001"})
    assert answer.status == 200
    assert answer.headers["X-Request-ID"] == "json-log-0001"
    time.sleep(0.2)
    records = log_records(stack.webs[1].log)
    [line] = [r for r in records if r.get("request_id") == "json-log-0001"]
    assert line["logger"] == "project.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)


def test_whitenoise_serves_the_collected_api_docs_assets_with_debug_off(stack):
    manifest = json.loads((Path(stack.env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    for asset in ("drf-yasg/swagger-ui-dist/swagger-ui-bundle.js", "drf-yasg/redoc/redoc.min.js"):
        hashed = manifest["paths"][asset]
        answer = Api(stack.webs[0].url).get(
            f"/static/{hashed}", headers={"Accept-Encoding": "gzip"}
        )
        assert answer.status == 200
        assert answer.headers["Content-Encoding"] == "gzip"  # compressed at build time
        assert "immutable" in answer.headers["Cache-Control"]  # hashed name: cache forever
