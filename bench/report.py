"""The benchmark's targets, and its result as Markdown tables."""

import os

from bench.wrk import CONNECTIONS

# Throughput as a ratio of /healthz's in the same run.
TARGETS = {
    "send-code": 0.30,
    "send-code refused (429)": 0.60,
    "verify-code (right code, new user)": 0.15,
    "verify-code (wrong code)": 0.60,
    "profile (0 referrals)": 0.2,
}


def ceiling(result: dict) -> float:
    """The /healthz requests/s an endpoint's ratio is to: the run just before it."""
    return result.get("healthz_rps", result["rps"])


def checks(endpoints: dict, delivery: dict, login: dict) -> list[tuple[str, bool]]:
    out = []
    for name, ratio in TARGETS.items():
        result = endpoints[name]
        out.append((f"{name} >= {ratio} x /healthz", result["rps"] >= ratio * ceiling(result)))
    for name, result in endpoints.items():
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
        "| endpoint | web | worker | PostgreSQL | Redis | wrk | web CPU ms per request "
        "| Redis commands per request | PostgreSQL connections at the end |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in result["endpoints"].items():
        cpu = r["cpu_s"]
        per_request = cpu["web"] / max(r["requests"], 1) * 1000
        lines.append(
            f"| {name} | {cpu['web']:.2f} | {cpu['worker']:.2f} | {cpu['postgres']:.2f} "
            f"| {cpu['redis']:.2f} | {cpu['wrk']:.2f} | {per_request:.2f} "
            f"| {r['redis_commands_per_request']:.2f} | {r['postgres_connections']} |"
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
