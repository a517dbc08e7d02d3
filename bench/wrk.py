"""wrk (Debian's package) against one endpoint, with the CPU the stack used meanwhile."""

import json
import subprocess
import sys
from dataclasses import dataclass

from bench import cpu
from bench.stack import BASE_DIR, PORT

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


def measure(name: str, load: Load, seconds: float, groups) -> dict:
    """Warm the endpoint up for a second (pools, caches), then measure it for `seconds`;
    `groups()` names the stack's processes whose CPU is read before and after."""
    _run(load, 1, load.args if load.warmup_args is None else load.warmup_args)
    before, wrk_before = cpu.ticks(groups()), cpu.children_seconds()
    result = {"name": name, **_run(load, seconds, load.args)}
    after = cpu.ticks(groups())
    result["cpu_s"] = cpu.seconds_used(before, after, cpu.children_seconds() - wrk_before)
    log(f"  {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms")
    return result


def _run(load: Load, seconds: float, args) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["-s", f"bench/lua/{load.script}"]
    if load.token:
        command += ["-H", f"Authorization: Bearer {load.token}"]
    command += [f"http://127.0.0.1:{PORT}{load.path}", "--", *map(str, args)]
    done = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))
