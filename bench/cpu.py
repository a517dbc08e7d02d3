"""CPU each part of the stack used, read from /proc: gunicorn, the worker, PostgreSQL, Redis."""

import os
import resource

TICKS = os.sysconf("SC_CLK_TCK")


def process_ticks(pid: int) -> int:
    """User and system CPU of a process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def servers(redis_port: int) -> dict[str, list[int]]:
    """The Redis server on `redis_port` and every PostgreSQL process (the server and its
    backends; nothing but the bench uses them meanwhile)."""
    found: dict[str, list[int]] = {"redis": [], "postgres": []}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ")
        except OSError:
            continue
        if command.startswith(b"redis-server") and f":{redis_port} ".encode() in command:
            found["redis"].append(int(entry))
        elif command.startswith((b"postgres", b"/usr/lib/postgresql/")):
            found["postgres"].append(int(entry))
    return found


def ticks(groups: dict[str, list[int]]) -> dict[str, dict[int, int]]:
    """CPU clock ticks used so far by each process of each group."""
    return {name: {pid: process_ticks(pid) for pid in pids} for name, pids in groups.items()}


def seconds_used(before: dict, after: dict, wrk_seconds: float) -> dict[str, float]:
    """CPU seconds each group used between two readings: processes alive at both (a database
    backend that closed in between is left out), plus those that started in between."""
    used = {"wrk": wrk_seconds}
    for name, group in after.items():
        earlier = before.get(name, {})
        used[name] = sum(now - earlier.get(pid, 0) for pid, now in group.items() if now) / TICKS
    return {name: round(seconds, 2) for name, seconds in used.items()}


def children_seconds() -> float:
    """CPU seconds of the children this process has waited for: the wrk runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
