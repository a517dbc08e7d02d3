"""`make faults`: fault drills on a live stack, each printing what was lost.

The drill starts its own PostgreSQL and Redis on spare ports (it never touches the machine's
shared servers), then gunicorn and a Celery worker on them, and:

1. stops the worker, sends codes, starts it again: every code delivered, none twice;
2. kills the worker with SIGKILL in the middle of deliveries: every code still delivered
   (late acknowledgement: the broker hands unacknowledged messages out again after the
   visibility timeout), duplicates counted;
3. stops Redis: send-code and verify-code answer 503 JSON within 2 s while the profile and
   invites keep working; starts it again: everything works with nothing restarted, and the
   codes and queued SMS of before the outage are still there (Redis with its append-only file);
4. stops PostgreSQL for 5 s under load: 503s while it is down, never a 500, and full recovery.

    .venv/bin/python bench/faults.py [--smoke]
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = str(BASE_DIR / ".venv" / "bin" / "python")
VISIBILITY_TIMEOUT = 10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


class Postgres:
    """A throwaway PostgreSQL cluster (run as the postgres user when we are root)."""

    def __init__(self, directory: Path) -> None:
        self.port = spare_port()
        self.dir = directory / "pg"
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = bindir[-1] if bindir else Path(shutil.which("pg_ctl") or "pg_ctl").parent
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True)

    def init(self) -> None:
        self.dir.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.dir.parent, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop")


class Redis:
    """A throwaway Redis that keeps an append-only file, as a production one should."""

    def __init__(self, directory: Path) -> None:
        self.port = spare_port()
        self.dir = directory / "redis"
        self.dir.mkdir(parents=True)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
            "--appendonly", "yes", "--appendfsync", "everysec",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        self.process.terminate()  # SHUTDOWN: flushes the append-only file
        self.process.wait(timeout=30)


class Stack:
    """gunicorn and one Celery worker on the drill's PostgreSQL and Redis."""

    def __init__(self, directory: Path, postgres: Postgres, redis: Redis) -> None:
        self.dir = directory
        self.port = spare_port()
        redis_url = f"redis://127.0.0.1:{redis.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.production",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.port}/referral_faults",
            "REDIS_URL": f"{redis_url}/0",
            "CELERY_BROKER_URL": f"{redis_url}/1",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SMS_INBOX_ENABLED": "1",
            "THROTTLE_SEND_CODE": "1000000/hour",
            "THROTTLE_VERIFY_CODE": "1000000/hour",
            "THROTTLE_USER": "1000000/minute",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "WEB_THREADS": "4",
        }
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.workers_started = 0

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        out = (self.dir / f"{name}.log").open("a")
        return subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=out, stderr=out)

    def migrate(self) -> None:
        for command in (["scripts/ensure_database.py"], ["manage.py", "migrate", "-v", "0"]):
            subprocess.run([PY, *command], cwd=BASE_DIR, check=True, capture_output=True,
                           env={**self.env, "PYTHONPATH": str(BASE_DIR)})  # fmt: skip

    def start_web(self) -> None:
        self.web = self._spawn("web", [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                       "project.wsgi"])  # fmt: skip
        wait_for_port(self.port)

    def start_worker(self) -> None:
        self.workers_started += 1
        name = f"worker-{self.workers_started}"
        command = [PY, "-m", "celery", "-A", "worker", "worker", "--loglevel", "INFO"]
        self.worker = self._spawn(name, [*command, "--hostname", f"{name}@%h"])

    def stop_worker(self, sig: int = signal.SIGTERM) -> None:
        self.worker.send_signal(sig)
        self.worker.wait(timeout=60)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


class Api:
    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body=None, token=None) -> tuple[int, dict, float]:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, json.dumps(body) if body else None, headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"not_json": raw[:200].decode(errors="replace")}
        return response.status, data, time.monotonic() - started

    def send(self, phone: str) -> int:
        return self.call("POST", "/api/v1/auth/send-code/", {"phone": phone})[0]

    def inbox(self, phone: str) -> list[dict]:
        return self.call("GET", f"/api/v1/dev/sms/?phone=%2B{phone[1:]}")[1].get("results", [])

    def deliveries(self, phones: list[str], expect: int, seconds: float) -> Counter:
        """Wait until `expect` phones have their SMS (or time runs out); count per phone."""
        deadline = time.monotonic() + seconds
        while True:
            counts = Counter({phone: len(self.inbox(phone)) for phone in phones})
            if sum(1 for c in counts.values() if c) >= expect or time.monotonic() > deadline:
                return counts
            time.sleep(0.5)

    def login(self, phone: str) -> str:
        if self.send(phone) != 202:
            raise RuntimeError(f"send-code for {phone} was refused")
        deadline = time.monotonic() + 15
        while not (messages := self.inbox(phone)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no SMS for {phone}")
            time.sleep(0.1)
        code = re.search(r"\b(\d{4})\b", messages[0]["text"]).group(1)
        status, body, _ = self.call(
            "POST", "/api/v1/auth/verify-code/", {"phone": phone, "code": code}
        )
        if status != 200:
            raise RuntimeError(f"verify-code for {phone} answered {status}: {body}")
        return body["access"]


def summary(counts: Counter) -> dict:
    return {
        "sent": len(counts),
        "delivered": sum(1 for c in counts.values() if c),
        "lost": sum(1 for c in counts.values() if c == 0),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
    }


def drill_worker_stopped(stack: Stack, api: Api, count: int) -> dict:
    stack.stop_worker()
    phones = [f"+7921{n:07d}" for n in range(count)]
    statuses = Counter(api.send(phone) for phone in phones)
    time.sleep(1)
    queued_undelivered = sum(1 for phone in phones if not api.inbox(phone))
    stack.start_worker()
    result = summary(api.deliveries(phones, count, 60))
    result.update(accepted=statuses[202], undelivered_while_stopped=queued_undelivered)
    return result


def drill_worker_killed(stack: Stack, api: Api, count: int) -> dict:
    phones = [f"+7922{n:07d}" for n in range(count)]
    for phone in phones:
        api.send(phone)
    before = api.deliveries(phones, count // 4, 30)
    stack.stop_worker(signal.SIGKILL)
    delivered_before_kill = sum(1 for c in before.values() if c)
    # The killed worker's unacknowledged messages go back after the visibility timeout.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    stack.start_worker()
    result = summary(api.deliveries(phones, count, 90))
    result["delivered_before_kill"] = delivered_before_kill
    return result


def drill_redis_stopped(redis: Redis, api: Api, token: str, inviter_code: str) -> dict:
    pending = "+79230000001"
    api.send(pending)  # a code, and its SMS on its way through the gateway when Redis stops
    time.sleep(0.5)
    redis.stop()
    answers = {
        "send-code": api.call("POST", "/api/v1/auth/send-code/", {"phone": "+79230000002"}),
        "verify-code": api.call(
            "POST", "/api/v1/auth/verify-code/", {"phone": "+79230000003", "code": "1234"}
        ),
        "profile": api.call("GET", "/api/v1/profile/", token=token),
        "invite": api.call(
            "POST", "/api/v1/profile/invite/", {"invite_code": inviter_code}, token=token
        ),
        "readyz": api.call("GET", "/readyz"),
    }
    redis.start()
    time.sleep(1)
    after = api.send("+79230000004")
    # Taken by the worker before the outage: retried, or back after the visibility timeout.
    pending_delivered = bool(api.deliveries([pending], 1, 2 * VISIBILITY_TIMEOUT + 20)[pending])
    return {
        "while_down": {
            name: {"status": status, "code": body.get("code"), "seconds": round(seconds, 3)}
            for name, (status, body, seconds) in answers.items()
        },
        "send_code_after": after,
        "sms_queued_before_outage_delivered": pending_delivered,
    }


def drill_postgres_stopped(postgres: Postgres, api: Api, token: str, seconds: float) -> dict:
    phases: dict[str, Counter] = {"before": Counter(), "down": Counter(), "after": Counter()}
    phase = "before"
    stop = threading.Event()
    recovered_at: list[float] = []
    restarted_at: list[float] = []

    def load() -> None:
        while not stop.is_set():
            try:
                status, _, _ = api.call("GET", "/api/v1/profile/", token=token)
            except OSError:
                status = 0  # no answer at all
            phases[phase][status] += 1
            if phase == "after" and status == 200 and not recovered_at:
                recovered_at.append(time.monotonic())

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    phase = "down"
    postgres.stop()
    time.sleep(seconds)
    postgres.start()
    restarted_at.append(time.monotonic())
    phase = "after"
    time.sleep(5)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        **{name: dict(counts) for name, counts in phases.items()},
        "recovered_after_restart_s": round(recovered_at[0] - restarted_at[0], 2)
        if recovered_at
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="fewer codes")
    options = parser.parse_args()
    count = 20 if options.smoke else 100
    directory = Path(tempfile.mkdtemp(prefix="faults-"))
    log(f"drill servers and logs in {directory}")
    postgres, redis = Postgres(directory), Redis(directory)
    postgres.init()
    postgres.start()
    redis.start()
    stack = Stack(directory, postgres, redis)
    results: dict = {}
    try:
        stack.migrate()
        stack.start_web()
        stack.start_worker()
        api = Api(stack.port)
        token = api.login("+79200000001")
        inviter_token = api.login("+79200000002")
        inviter_code = api.call("GET", "/api/v1/profile/", token=inviter_token)[1]["invite_code"]

        log("1. worker stopped while codes are sent")
        results["worker stopped"] = drill_worker_stopped(stack, api, count)
        log("2. worker killed (SIGKILL) in the middle of deliveries")
        results["worker killed"] = drill_worker_killed(stack, api, count * 2)
        log("3. Redis stopped")
        results["redis stopped"] = drill_redis_stopped(redis, api, token, inviter_code)
        log("4. PostgreSQL stopped for 5 s under load")
        results["postgres stopped"] = drill_postgres_stopped(postgres, api, token, 5)
    finally:
        stack.stop()
        redis.stop()
        postgres.stop()
    (directory / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    fine = verdict(results)
    print(f"\nverdict: {'every drill as expected' if fine else 'SOMETHING WAS LOST OR BROKE'}")
    print(f"details: {directory / 'results.json'}")
    return 0 if fine else 1


def report(results: dict) -> str:
    stopped, killed = results["worker stopped"], results["worker killed"]
    redis, pg = results["redis stopped"], results["postgres stopped"]
    down = redis["while_down"]

    def answer(name: str) -> str:
        got = down[name]
        return f"{name} {got['status']} {got['code'] or ''} in {got['seconds']:.3f} s".replace(
            "  ", " "
        )

    in_flight = redis["sms_queued_before_outage_delivered"]

    def statuses(counts: dict) -> str:
        return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))

    return "\n".join(
        [
            "| drill | what happened | lost |",
            "| --- | --- | --- |",
            f"| worker stopped, {stopped['sent']} codes sent, worker started | "
            f"{stopped['delivered']} delivered, {stopped['duplicates']} twice | "
            f"{stopped['lost']} |",
            f"| worker killed (SIGKILL) after {killed['delivered_before_kill']} of "
            f"{killed['sent']} deliveries, a new one started | {killed['delivered']} delivered, "
            f"{killed['duplicates']} twice | {killed['lost']} |",
            f"| Redis stopped, then started | while down: {', '.join(map(answer, down))}; "
            f"after: send-code {redis['send_code_after']}; the SMS on its way when Redis "
            f"stopped was delivered: {'yes' if in_flight else 'no'} | {0 if in_flight else 1} |",
            "| PostgreSQL stopped for 5 s under load (profile) | "
            f"before: {statuses(pg['before'])}; down: {statuses(pg['down'])}; "
            f"after: {statuses(pg['after'])}; back "
            f"{pg['recovered_after_restart_s']} s after the restart | 0 |",
        ]
    )


def verdict(results: dict) -> bool:
    worker = [results["worker stopped"], results["worker killed"]]
    redis = results["redis stopped"]
    pg = results["postgres stopped"]
    fine = all(drill["lost"] == 0 for drill in worker)
    fine &= results["worker stopped"]["duplicates"] == 0
    down = redis["while_down"]
    for name in ("send-code", "verify-code"):
        fine &= (down[name]["status"], down[name]["code"]) == (503, "service_unavailable")
        fine &= down[name]["seconds"] < 2
    fine &= down["profile"]["status"] == down["invite"]["status"] == 200
    fine &= redis["send_code_after"] == 202
    fine &= set(pg["down"]) <= {200, 503}  # never a 500
    fine &= pg["recovered_after_restart_s"] is not None
    return fine


if __name__ == "__main__":
    sys.exit(main())
