"""`python -m bench.floor`: what send-code and verify-code cost next to plain Django views.

`make bench` measures send-code and verify-code as ratios of /healthz. This says what those
ratios are made of: it starts the bench's stack with one web process whose URLs add the plain
Django views of bench.floor_views (bench.floor_settings; the service itself never serves
them), then floods, each right after a run of /healthz:

- send-code to a new phone each (the SMS queued, never delivered: no worker runs here), from
  the service's view (Django REST framework) and from a plain Django view calling the same
  service function (code_send);
- send-code to one phone, refused (the service's view);
- the same refusal from a plain Django view calling the same service function (code_send);
- a plain Django view that parses the body and the phone, makes one Redis round trip (a
  PING, no script) and answers the same 429;
- the same without the round trip;
- a wrong code to one phone, from the service's verify-code and from a plain Django view
  calling code_verify;
- the right code, a new user each (codes issued beforehand), from the service's verify-code
  and from a plain Django view calling code_verify, tokens_issue and the profile's selector.

Each row's ratio is to the /healthz run just before it, as in `make bench`. The gaps between
rows are what Django REST framework's request cycle, the code store's script and the Redis
round trip cost here, where the load, the server and Redis share the same 2 CPUs.

    .venv/bin/python -m bench.floor [--duration SECONDS] [--smoke]
"""

import argparse
import json
import statistics
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bench import cpu
from bench.seed import issue_codes
from bench.stack import PORT, REDIS_URL, RUN_DIR, bench_stack, django_setup, reset
from bench.wrk import CONNECTIONS, Load, measure
from harness import Api

SEND = "/api/v1/auth/send-code/"
VERIFY = "/api/v1/auth/verify-code/"


def flood(path: str, body: dict, answers: tuple[int, ...]) -> Load:
    return Load(path, "post.lua", args=(path, json.dumps(body)), answers=answers)


@dataclass(frozen=True)
class Codes:
    """A file of codes the run issues before it measures (CODE_SETS), named in a Load's args."""

    name: str


# (name, what differs from the row above, the load). One phone per row: each starts afresh.
ROWS = [
    ("send-code, a new phone each: the service (REST framework)", "",
     Load(SEND, "send_code.lua", args=(1, SEND), warmup_args=(0, SEND), answers=(202,))),
    ("send-code, a new phone each: plain Django view, same code_send", "REST framework left out",
     Load("/floor/send-code/", "send_code.lua", args=(3, "/floor/send-code/"),
          warmup_args=(2, "/floor/send-code/"), answers=(202,))),
    ("send-code refused: the service (REST framework)", "",
     flood(SEND, {"phone": "+79270000101"}, (202, 429))),
    ("send-code refused: plain Django view, same code_send", "REST framework left out",
     flood("/floor/send-code/", {"phone": "+79270000102"}, (202, 429))),
    ("plain Django view: phone, one Redis PING, the 429", "the script and its keys left out",
     flood("/floor/refuse-after-ping/", {"phone": "+79270000103"}, (429,))),
    ("plain Django view: phone, the 429", "the Redis round trip left out",
     flood("/floor/refuse-without-redis/", {"phone": "+79270000104"}, (429,))),
    ("verify-code, wrong code: the service (REST framework)", "",
     flood(VERIFY, {"phone": "+79270000105", "code": "0000"}, (400, 429))),
    ("verify-code, wrong code: plain Django view, same code_verify", "REST framework left out",
     flood("/floor/verify-code/", {"phone": "+79270000106", "code": "0000"}, (400, 429))),
    ("verify-code, right code, new user: the service (REST framework)", "",
     Load(VERIFY, "verify_code.lua", args=(Codes("measure_service"), 2),
          warmup_args=(Codes("warmup_service"), 2))),
    ("verify-code, right code, new user: plain Django view, same code_verify, tokens, profile",
     "REST framework left out",
     Load("/floor/verify-code/", "verify_code.lua",
          args=(Codes("measure_plain"), 2, "/floor/verify-code/"),
          warmup_args=(Codes("warmup_plain"), 2, "/floor/verify-code/"))),
]  # fmt: skip

# The new users' codes: (name, first number after +7925, how many, how many in a smoke run).
CODE_SETS = [
    ("warmup_service", 100_000, 2_000, 2_000),
    ("measure_service", 110_000, 8_000, 1_000),
    ("warmup_plain", 120_000, 2_000, 2_000),
    ("measure_plain", 130_000, 8_000, 1_000),
]


def with_codes(load: Load, files: dict[str, str]) -> Load:
    """`load` with the code files' paths in place of their names."""

    def fill(args):
        if args is None:
            return None
        return tuple(files[arg.name] if isinstance(arg, Codes) else arg for arg in args)

    return replace(load, args=fill(load.args), warmup_args=fill(load.warmup_args))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=None, help="seconds per row (10)")
    parser.add_argument("--smoke", action="store_true", help="every row, for a second")
    options = parser.parse_args()
    seconds = options.duration or (1 if options.smoke else 10)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    reset()
    with bench_stack() as stack:
        stack.migrate()
        web = stack.web(port=PORT, DJANGO_SETTINGS_MODULE="bench.floor_settings")
        redis_port = int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])

        def groups() -> dict[str, list[int]]:
            return {"web": [web.pid, *cpu.children_of(web.pid)], **cpu.servers(redis_port)}

        # The wrong-code rows' phones get a code first: their flood is wrong codes to a live
        # one. The new users' rows get codes issued here, with the stack's settings and key.
        api = Api(web.url)
        for name, _, load in ROWS:
            if load.script == "post.lua" and load.path in (VERIFY, "/floor/verify-code/"):
                phone = json.loads(load.args[1])["phone"]
                if api.send_code(phone).status != 202:
                    raise RuntimeError(f"no code for {name}")
        django_setup(stack)
        files = {}
        for name, first, full, smoke in CODE_SETS:
            count = smoke if options.smoke else full
            path = issue_codes(RUN_DIR / f"floor-{name}.txt", range(first, first + count))
            files[name] = str(path)
        rows = []
        for name, left_out, load in ROWS:
            ceiling = measure("/healthz", Load("/healthz"), seconds, groups)
            result = measure(name, with_codes(load, files), seconds, groups)
            rows.append({**result, "left_out": left_out, "healthz_rps": ceiling["rps"]})
    print(table(rows, seconds, processes=stack.env["WEB_CONCURRENCY"]))
    return 0


def table(rows: list[dict], seconds: float, *, processes: str) -> str:
    lines = [
        f"Floor of send-code and verify-code, {datetime.now(UTC):%Y-%m-%d %H:%M UTC}: one"
        f" gunicorn ({processes} sync processes), wrk {CONNECTIONS} connections, {seconds:g} s"
        " per row, each next to /healthz"
        f" (mean {statistics.mean(r['healthz_rps'] for r in rows):.0f} requests/s)",
        "",
        "| what answers | left out (vs the row above) | requests/s | x /healthz "
        "| web CPU ms per request |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in rows:
        per_request = r["cpu_s"]["web"] / max(r["requests"], 1) * 1000
        lines.append(
            f"| {r['name']} | {r['left_out']} | {r['rps']:.0f} "
            f"| {r['rps'] / r['healthz_rps']:.2f} | {per_request:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
