"""`make bench`: the real stack on this machine, measured in one run.

Starts gunicorn and one Celery worker (the harness's Stack, production settings, every abuse
defence on) on PostgreSQL and Redis databases of the bench's own, seeds referrals, then
measures with wrk at 16 connections: the profile with 0, 1,000 and 100,000 referrals, a page of
the largest one's referrals, send-code, send-code refused (one phone again and again),
verify-code with the right code (a new user each) and with a wrong one, each right after a run
of /healthz (the ceiling of any endpoint here), and the CPU each part of the stack used
meanwhile; then the time one worker
process takes to deliver 1,000 queued codes, and end-to-end logins of 50 concurrent users.
Prints the tables (requests/s, p50/p99, throughput as a ratio of the /healthz run before it;
CPU-seconds), checks the targets, and writes the lot as JSON to bench/results/latest.json.

    .venv/bin/python -m bench [--smoke] [--duration SECONDS] [--check]

--smoke runs every step briefly (CI keeps it from rotting); --check exits 1 when a target
is missed.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime

from bench import cpu, report
from bench.deliveries import measure_delivery, measure_logins
from bench.seed import prepare
from bench.stack import BASE_DIR, PORT, REDIS_URL, RUN_DIR, bench_stack, django_setup, reset
from bench.wrk import Load, log, measure

RESULTS = BASE_DIR / "bench" / "results"


def purge_queue() -> None:
    """Drop the SMS the load tests queued, so the worker idles while the next one runs."""
    from worker.celery import app

    app.control.purge()
    time.sleep(2.5)  # the deliveries already taken take at most 2 s


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
    reset()
    with bench_stack() as stack:
        stack.migrate()
        web = stack.web(port=PORT)
        worker = stack.worker()
        redis_port = int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])

        def groups() -> dict[str, list[int]]:
            return {
                "web": [web.pid, *cpu.children_of(web.pid)],
                "worker": [worker.pid],
                **cpu.servers(redis_port),
            }

        log("seeding referrals and issuing codes")
        django_setup(stack)
        prepared = prepare(RUN_DIR, smoke=options.smoke)
        log("measuring")
        endpoints = {}
        ceilings = []

        def measure_next_to_healthz(name: str, load: Load) -> None:
            """Measure /healthz, then the endpoint: the endpoint's ratio is to the run just
            before it, since on a shared machine the ceiling drifts by 10-20 % in minutes."""
            ceiling = measure("/healthz", Load("/healthz"), seconds, groups)
            ceilings.append(ceiling)
            result = measure(name, load, seconds, groups)
            result["healthz_rps"] = ceiling["rps"]
            endpoints[name] = result

        # The reads first, while the database is as seeded; then the writes.
        for size, token in prepared["tokens"].items():
            measure_next_to_healthz(
                f"profile ({size:,} referrals)", Load("/api/v1/profile/", token=token)
            )
        largest = max(prepared["sizes"])
        measure_next_to_healthz(
            f"referrals page of 100 ({largest:,} referrals)",
            Load("/api/v1/profile/referrals/", token=prepared["tokens"][largest]),
        )
        measure_next_to_healthz(
            "send-code",
            Load("/", "send_code.lua", args=(1,), warmup_args=(0,), answers=(202,)),
        )
        purge_queue()
        measure_next_to_healthz(
            "send-code refused (429)", Load("/", "send_code_again.lua", answers=(202, 429))
        )
        codes = prepared["codes"]
        measure_next_to_healthz(
            "verify-code (right code, new user)",
            Load(
                "/",
                "verify_code.lua",
                args=(codes["measure"], 2),
                warmup_args=(codes["warmup"], 2),
            ),
        )
        measure_next_to_healthz(
            "verify-code (wrong code)",
            Load("/", "verify_code.lua", args=(codes["wrong"], 2), answers=(400, 429)),
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
        delivery = measure_delivery(
            stack, options.delivery_codes or (50 if options.smoke else 1_000)
        )
        # The logins read their codes from the development inbox: a web and a worker process
        # with it on (the measured ones have it off, as production does).
        worker.stop()
        inbox = {"SMS_INBOX_ENABLED": "1"}
        inbox_web = stack.web("web-inbox", **inbox)
        stack.worker("worker-inbox", **inbox)
        login = measure_logins(inbox_web.url, 5 if options.smoke else 50)

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "gunicorn": f"{stack.env['WEB_CONCURRENCY']} worker processes, "
        + (
            "sync"
            if stack.env["WEB_THREADS"] == "1"
            else f"gthread x {stack.env['WEB_THREADS']} threads"
        ),
        "seconds": seconds,
        "command": "make bench" if not options.smoke else "make bench-smoke",
        "endpoints": endpoints,
        "delivery": delivery,
        "login": login,
    }
    result["checks"] = report.checks(endpoints, delivery, login)
    (RESULTS / ("smoke.json" if options.smoke else "latest.json")).write_text(
        json.dumps(result, indent=2) + "\n"
    )
    print(report.table(result))
    missed = [name for name, ok in result["checks"] if not ok]
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
