"""`make bench`: the real stack on this machine, measured in one run.

Starts gunicorn and one Celery worker (scripts/stack) on PostgreSQL and Redis databases of the
bench's own, seeds referrals, then measures with wrk at 16 connections: the profile with 0,
1,000 and 100,000 referrals, a page of the largest one's referrals, send-code and verify-code,
each right after a run of /healthz (the ceiling of any endpoint here), and the CPU each part of
the stack used meanwhile; then the time one worker process takes to deliver 1,000 queued
codes, and end-to-end logins of 50 concurrent users. Prints the tables (requests/s, p50/p99,
throughput as a ratio of the /healthz run before it; CPU-seconds), checks the targets, and
writes the lot as JSON to bench/results/latest.json.

    .venv/bin/python bench/run.py [--smoke] [--duration SECONDS] [--check]

--smoke runs every step briefly (CI keeps it from rotting); --check exits 1 when a target
is missed.
"""

import argparse
import http.client
import json
import os
import platform
import re
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
RUN_DIR = BASE_DIR / ".run" / "bench"
PORT = 8100
CONNECTIONS = 16

# The bench's own databases: nothing else on the machine uses them.
ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings.production",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/referral_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/10",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
    "SMS_INBOX_ENABLED": "1",  # the end-to-end logins read their codes from it
    "PORT": str(PORT),
    # The per-IP throttles would stop a load test from one address at its first seconds.
    "THROTTLE_SEND_CODE": "1000000000/hour",
    "THROTTLE_VERIFY_CODE": "1000000000/hour",
    "THROTTLE_USER": "1000000000/minute",
    "LOG_LEVEL": "WARNING",  # no log line per request while measuring
}
ENV.setdefault("WEB_CONCURRENCY", os.environ.get("WEB_CONCURRENCY", "4"))
ENV.setdefault("WEB_THREADS", os.environ.get("WEB_THREADS", "1"))

TARGETS = {
    "send-code": 0.25,
    "profile (0 referrals)": 0.2,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(command: list[str], **kwargs) -> str:
    env = {**os.environ, **ENV}
    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def reset_databases() -> None:
    import psycopg2
    import redis

    server = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS referral_bench WITH (FORCE)")
    server.close()
    for url in (ENV["REDIS_URL"], ENV["CELERY_BROKER_URL"]):
        redis.Redis.from_url(url).flushdb()


def prepare(smoke: bool) -> dict:
    """Seed users and referrals, mint their tokens, and issue codes for verify-code."""
    import django

    os.environ.update(ENV)
    sys.path.insert(0, str(BASE_DIR))
    django.setup()
    from django.db import connection

    from accounts.otp import otp_issue
    from accounts.services import tokens_issue
    from invites.seeding import referrals_seed

    sizes = [0, 100, 1_000] if smoke else [0, 1_000, 100_000]
    tokens = {}
    for size in sizes:
        inviter = referrals_seed(users=1, referrals_per_user=size).inviters[0]
        tokens[size] = tokens_issue(user=inviter).access
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh bulk data: give the planner its statistics

    codes = {}
    for name, first, count in [("warmup", 0, 2_000), ("measure", 2_000, 500 if smoke else 30_000)]:
        codes[name] = RUN_DIR / f"codes-{name}.txt"
        with codes[name].open("w") as out:
            for n in range(first, first + count):
                phone = f"+7925{n:07d}"
                with otp_issue(phone=phone) as issued:
                    out.write(f"{phone} {issued.code}\n")
    return {"tokens": tokens, "codes": codes, "sizes": sizes}


def _cpu_ticks(pid: int) -> int:
    """User and system CPU of a process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _stack_pids() -> dict[str, list[int]]:
    """The stack's processes: gunicorn's master and workers, the Celery worker, Redis and
    PostgreSQL (the servers the bench's databases live on; nothing else uses them meanwhile)."""
    web = int((RUN_DIR / "web.pid").read_text())
    try:
        with open(f"/proc/{web}/task/{web}/children") as children:
            workers = [int(pid) for pid in children.read().split()]
    except OSError:
        workers = []
    redis_port = ENV["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    servers: dict[str, list[int]] = {"redis": [], "postgres": []}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ")
            except OSError:
                continue
            if command.startswith(b"redis-server") and f":{redis_port} ".encode() in command:
                servers["redis"].append(int(entry))
            elif command.startswith((b"postgres", b"/usr/lib/postgresql/")):
                servers["postgres"].append(int(entry))  # the server and its backends
    return {
        "web": [web, *workers],
        "worker": [int((RUN_DIR / "worker.pid").read_text())],
        **servers,
    }


def cpu_ticks(pids: dict[str, list[int]]) -> dict[str, dict[int, int]]:
    """CPU clock ticks used so far by each process of each part of the stack."""
    return {name: {pid: _cpu_ticks(pid) for pid in group} for name, group in pids.items()}


def cpu_used(before: dict, after: dict, wrk_seconds: float) -> dict[str, float]:
    """CPU seconds each part used between two readings: processes alive at both (a database
    backend that closed in between is left out), plus those that started in between."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {"wrk": wrk_seconds}
    for name, group in after.items():
        earlier = before.get(name, {})
        used[name] = sum(now - earlier.get(pid, 0) for pid, now in group.items() if now) / ticks
    return {name: round(seconds, 2) for name, seconds in used.items()}


def children_cpu() -> float:
    """CPU seconds of the children this process has waited for: the wrk runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(name, path, seconds, script="report.lua", args=(), token=None, warmup_args=None):
    """Warm the endpoint up for a second (pools, caches), then measure it for `seconds`.

    Scripts that must not repeat a request (send-code, verify-code) get other `warmup_args`.
    Also records the CPU seconds each part of the stack used while it was measured.
    """
    _wrk(path, 1, script, args if warmup_args is None else warmup_args, token)
    before, wrk_before = cpu_ticks(_stack_pids()), children_cpu()
    result = {"name": name, **_wrk(path, seconds, script, args, token)}
    after = cpu_ticks(_stack_pids())
    result["cpu_s"] = cpu_used(before, after, children_cpu() - wrk_before)
    log(f"  {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms")
    return result


def _wrk(path: str, seconds: float, script: str, args, token) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["-s", f"bench/lua/{script}"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    command += [f"http://127.0.0.1:{PORT}{path}", "--", *map(str, args)]
    output = run(command)
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def purge_queue() -> None:
    """Drop the SMS the load tests queued, so the worker idles while the next one runs."""
    from worker.celery import app

    app.control.purge()
    time.sleep(2.5)  # the deliveries already taken take at most 2 s


def inbox_count(phones: list[str]) -> int:
    from sms.inbox import inbox_messages

    return sum(1 for phone in phones if inbox_messages(phone=phone))


def measure_delivery(count: int) -> dict:
    """Queue `count` codes, then time one worker process delivering them all, and read the CPU
    it spent per message once it was delivering (its start-up left out)."""
    from sms.tasks import sms_deliver

    queue = "bench-delivery"
    phones = [f"+7924{n:07d}" for n in range(count)]
    for phone in phones:
        sms_deliver.apply_async(args=(phone, "Your code: 0000."), queue=queue)
    worker_log = (RUN_DIR / "delivery-worker.log").open("w")
    command = [sys.executable, "-m", "celery", "-A", "worker", "worker", "-Q", queue]
    command += ["--loglevel", "INFO", "--hostname", "bench-delivery@%h"]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env={**os.environ, **ENV, "LOG_LEVEL": "INFO"},
        stdout=worker_log, stderr=worker_log,
    )  # fmt: skip
    try:
        delivered, first = 0, None  # first: (CPU ticks, delivered) when the first SMS was seen
        while delivered < count and time.monotonic() - started < 120:
            time.sleep(0.25)
            delivered = inbox_count(phones)
            if first is None and delivered:
                first = (_cpu_ticks(process.pid), delivered)
        seconds = time.monotonic() - started
        ticks = _cpu_ticks(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    cpu_ms = None
    if first and delivered > first[1]:
        cpu_ms = (ticks - first[0]) / os.sysconf("SC_CLK_TCK") / (delivered - first[1]) * 1000
    result = {"codes": count, "delivered": delivered, "seconds": round(seconds, 2),
              "cpu_ms_per_message": round(cpu_ms, 2) if cpu_ms else None}  # fmt: skip
    log(f"  delivery: {delivered}/{count} in {seconds:.1f} s, {cpu_ms or 0:.2f} ms CPU each")
    return result


def one_login(phone: str, durations: list, failures: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Content-Type": "application/json"}

    def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        connection.request(method, path, json.dumps(body) if body else None, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())

    started = time.monotonic()
    status, _ = call("POST", "/api/v1/auth/send-code/", {"phone": phone})
    code = None
    while status == 202 and code is None and time.monotonic() - started < 10:
        time.sleep(0.02)
        _, inbox = call("GET", f"/api/v1/dev/sms/?phone=%2B{phone[1:]}")
        if inbox["results"]:
            code = re.search(r"\b(\d{4})\b", inbox["results"][0]["text"]).group(1)
    status, _ = call("POST", "/api/v1/auth/verify-code/", {"phone": phone, "code": code})
    if status == 200:
        durations.append(time.monotonic() - started)
    else:
        failures.append(status)
    connection.close()


def measure_logins(users: int) -> dict:
    durations: list[float] = []
    failures: list[int] = []
    threads = [
        threading.Thread(target=one_login, args=(f"+7923{n:07d}", durations, failures))
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = {
        "users": users,
        "failed": len(failures),
        "p50_s": round(statistics.median(durations), 3) if durations else None,
        "p99_s": round(percentile(durations, 99), 3) if durations else None,
    }
    log(f"  end-to-end login: p50 {result['p50_s']} s, p99 {result['p99_s']} s")
    return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def checks(endpoints: dict, delivery: dict, login: dict) -> list[tuple[str, bool]]:
    out = []
    for name, ratio in TARGETS.items():
        result = endpoints[name]
        out.append((f"{name} >= {ratio} x /healthz", result["rps"] >= ratio * ceiling(result)))
        out.append((f"{name} p99 <= 4 x p50", result["p99_ms"] <= 4 * result["p50_ms"]))
    big = endpoints.get("profile (100,000 referrals)")
    if big:
        within = big["p50_ms"] <= 1.5 * endpoints["profile (0 referrals)"]["p50_ms"]
        out.append(("profile with 100,000 referrals: p50 <= 1.5 x profile with 0", within))
    if delivery["codes"] == 1000:
        out.append(("1,000 codes delivered by one worker in < 20 s", delivery["seconds"] < 20))
    out.append(("end-to-end login p50 < 1.5 s (median gateway delay) + 0.3 s",
                (login["p50_s"] or 99) < 1.8))  # fmt: skip
    return out


def ceiling(result: dict) -> float:
    """The /healthz requests/s an endpoint's ratio is to: the run just before it."""
    return result.get("healthz_rps", result["rps"])


def table(result: dict) -> str:
    health_runs = result["endpoints"]["/healthz"]["rps_runs"]
    lines = [
        f"Benchmark of {result['date']} on {result['machine']}",
        f"gunicorn: {result['gunicorn']}; wrk: {CONNECTIONS} connections, 2 threads, "
        f"{result['seconds']} s per endpoint; command: {result['command']}",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | x /healthz | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in result["endpoints"].items():
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['rps'] / ceiling(r):.2f} | {r['non_2xx']} |"
        )
    lines += [
        "",
        f"CPU-seconds each part of the stack used while each was measured ({os.cpu_count()} CPUs"
        f" x {result['seconds']} s = {os.cpu_count() * result['seconds']:g} in all; web ="
        " gunicorn's processes, worker = the Celery worker delivering what send-code queued):",
        "",
        "| endpoint | web | worker | PostgreSQL | Redis | wrk | web CPU ms per request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in result["endpoints"].items():
        cpu = r["cpu_s"]
        per_request = cpu["web"] / max(r["requests"], 1) * 1000
        lines.append(
            f"| {name} | {cpu['web']:.2f} | {cpu['worker']:.2f} | {cpu['postgres']:.2f} "
            f"| {cpu['redis']:.2f} | {cpu['wrk']:.2f} | {per_request:.2f} |"
        )
    d, login = result["delivery"], result["login"]
    lines += [
        "",
        f"SMS delivery: {d['delivered']} of {d['codes']} queued codes delivered by one worker "
        f"process in {d['seconds']} s (from its start; gateway 1-2 s per message); its CPU per "
        f"message once delivering: {d['cpu_ms_per_message']} ms.",
        f"End-to-end login (send, wait for the SMS, verify), {login['users']} concurrent users: "
        f"p50 {login['p50_s']} s, p99 {login['p99_s']} s, failed {login['failed']}.",
        "",
        "/healthz ran before each endpoint, and each ratio is to the run just before it: "
        + ", ".join(f"{rps:.0f}" for rps in health_runs)
        + " requests/s (the /healthz row shows their mean).",
        "",
        "Targets:",
    ]
    lines += [f"- [{'x' if ok else ' '}] {name}" for name, ok in result["checks"]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="every step, briefly")
    parser.add_argument("--duration", type=float, default=None, help="seconds per endpoint")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--delivery-codes", type=int, default=None, help="codes for the delivery step (1,000)"
    )
    options = parser.parse_args()
    seconds = options.duration or (1 if options.smoke else 10)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)

    log("resetting the bench databases and starting the stack")
    reset_databases()
    run(["scripts/stack", "up", str(RUN_DIR)])
    try:
        log("seeding referrals and issuing codes")
        prepared = prepare(options.smoke)
        log("measuring")
        endpoints = {}
        ceilings = []

        def measure(name: str, *args, **kwargs) -> None:
            """Measure /healthz, then the endpoint: the endpoint's ratio is to the run just
            before it, since on a shared machine the ceiling drifts by 10-20 % in minutes."""
            ceiling = wrk("/healthz", "/healthz", seconds)
            ceilings.append(ceiling)
            result = wrk(name, *args, **kwargs)
            result["healthz_rps"] = ceiling["rps"]
            endpoints[name] = result

        # The reads first, while the database is as seeded; then the writes.
        for size, token in prepared["tokens"].items():
            measure(f"profile ({size:,} referrals)", "/api/v1/profile/", seconds, token=token)
        largest = max(prepared["sizes"])
        measure(
            f"referrals page of 100 ({largest:,} referrals)",
            "/api/v1/profile/referrals/",
            seconds,
            token=prepared["tokens"][largest],
        )
        measure("send-code", "/", seconds, "send_code.lua", [1], warmup_args=[0])
        purge_queue()
        codes = prepared["codes"]
        measure(
            "verify-code",
            "/",
            seconds,
            "verify_code.lua",
            [codes["measure"], 2],
            warmup_args=[codes["warmup"], 2],
        )
        # The /healthz row: the first of its runs, with the mean and all of them.
        endpoints = {
            "/healthz": {
                **ceilings[0],
                "rps": statistics.mean(c["rps"] for c in ceilings),
                "rps_runs": [c["rps"] for c in ceilings],
            },
            **endpoints,
        }
        delivery = measure_delivery(options.delivery_codes or (50 if options.smoke else 1_000))
        login = measure_logins(5 if options.smoke else 50)
    finally:
        run(["scripts/stack", "down", str(RUN_DIR)])

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "gunicorn": f"{ENV['WEB_CONCURRENCY']} worker processes, "
        + ("sync" if ENV["WEB_THREADS"] == "1" else f"gthread x {ENV['WEB_THREADS']} threads"),
        "seconds": seconds,
        "command": "make bench" if not options.smoke else "make bench-smoke",
        "endpoints": endpoints,
        "delivery": delivery,
        "login": login,
    }
    result["checks"] = checks(endpoints, delivery, login)
    (RESULTS / ("smoke.json" if options.smoke else "latest.json")).write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(table(result))
    missed = [name for name, ok in result["checks"] if not ok]
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
