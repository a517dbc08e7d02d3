"""wrk (Debian's package) against one endpoint, with the CPU the stack used meanwhile."""

import json
import subprocess
import sys
from dataclasses import dataclass

import psycopg2
import redis

from bench import cpu
from bench.stack import BASE_DIR, DATABASE, PORT, REDIS_URL

CONNECTIONS = 16


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Load:
    """What to run wrk with: a Lua script of bench/lua/ and its arguments."""

    path: str
    script: str = "report.lua"
    args: tuple = ()
    token: str | None = None
    # Scripts that must not repeat a request (send-code, verify-code) warm up on other data.
    warmup_args: tuple | None = None
    # The statuses the endpoint may answer: any other one stops the bench, which would
    # otherwise measure the wrong thing (a refusal that is a CSRF page, say).
    answers: tuple[int, ...] = (200,)


def measure(name: str, load: Load, seconds: float, groups) -> dict:
    """Warm the endpoint up for a second (pools, caches), then measure it for `seconds`;
    `groups()` names the stack's processes whose CPU is read before and after."""
    _run(load, 1, load.args if load.warmup_args is None else load.warmup_args)
    commands_before = redis_commands()
    before, wrk_before = cpu.ticks(groups()), cpu.children_seconds()
    result = {"name": name, **_run(load, seconds, load.args)}
    after = cpu.ticks(groups())
    result["cpu_s"] = cpu.seconds_used(before, after, cpu.children_seconds() - wrk_before)
    # The commands the Redis server ran meanwhile (the code store's, the cache's and the
    # broker's: one server, nothing else uses it), the reading's own INFO left out.
    commands = redis_commands() - commands_before - 1
    result["redis_commands_per_request"] = round(commands / max(result["requests"], 1), 2)
    result["postgres_connections"] = postgres_connections()
    log(f"  {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms")
    return result


def redis_commands() -> int:
    """Commands the Redis server has run since it started."""
    return redis.Redis.from_url(REDIS_URL).info("stats")["total_commands_processed"]


def postgres_connections() -> int:
    """Connections open to the bench's database, this reading's own left out."""
    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [DATABASE],
            )
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _run(load: Load, seconds: float, args) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["-s", f"bench/lua/{load.script}"]
    if load.token:
        command += ["-H", f"Authorization: Bearer {load.token}"]
    command += [f"http://127.0.0.1:{PORT}{load.path}", "--", *map(str, args)]
    done = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    unexpected = {s: n for s, n in result["statuses"].items() if int(s) not in load.answers}
    if unexpected:
        raise RuntimeError(
            f"{load.path} ({load.script}) answered {unexpected}, expected only {load.answers}"
        )
    return result
