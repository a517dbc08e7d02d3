"""`make e2e`: the service as real clients see it.

Starts the real stack (gunicorn and a Celery worker on PostgreSQL and Redis databases of its
own, per-IP and per-user throttles raised, the per-phone limits real), runs the Postman
collection with Newman, logs a user in for a Bearer token, fuzzes every operation of
/api/schema.json with Schemathesis (settings per operation in schemathesis.toml), and stops
the stack however that ends. Logs stay in .run/e2e/.

E2E_DATABASE_URL, E2E_REDIS_URL, E2E_BROKER_URL and E2E_PORT move it (never the plain
DATABASE_URL/REDIS_URL: it empties its Redis databases); E2E_EXAMPLES (examples per operation,
100; CI needs at least 50) and E2E_SEED make Schemathesis's run repeatable.
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import redis

from harness import Api, Stack

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run" / "e2e"


def step(title: str, command: list[str]) -> None:
    print(f"== {title}", flush=True)
    subprocess.run(command, cwd=BASE_DIR, check=True)


def main() -> int:
    started = time.monotonic()
    database_url = os.environ.get(
        "E2E_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral_e2e"
    )
    redis_url = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
    broker_url = os.environ.get("E2E_BROKER_URL", "redis://127.0.0.1:6379/13")
    port = int(os.environ.get("E2E_PORT", "8055"))
    examples = os.environ.get("E2E_EXAMPLES", "100")
    seed = os.environ.get("E2E_SEED", "20261123")

    print(f"== emptying Redis ({redis_url}, {broker_url})", flush=True)
    for url in (redis_url, broker_url):
        redis.Redis.from_url(url).flushdb()
    env = {
        "SMS_BACKEND": "sms.backends.simulated.SmsBackend",
        # The per-IP and per-user throttles are raised for the run; the per-phone limits stay
        # real (the collection uses fresh phones, and Schemathesis's repeats must answer 429
        # as documented).
        "THROTTLE_SEND_CODE": "100000/hour",
        "THROTTLE_VERIFY_CODE": "100000/hour",
        "THROTTLE_USER": "100000/minute",
        "JWT_ACCESS_MINUTES": "60",
    }
    try:
        with Stack(
            RUN_DIR,
            database_url=database_url,
            redis_url=redis_url,
            broker_url=broker_url,
            settings="project.settings.local",
            env=env,
        ) as stack:
            print(f"== starting the stack on http://127.0.0.1:{port} ({database_url})", flush=True)
            stack.migrate()
            web = stack.web(port=port)
            stack.worker()

            step("npm ci", ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])
            step(
                "Postman collection (Newman)",
                [
                    "npx", "--no-install", "newman", "run",
                    "postman/referral.postman_collection.json",
                    "-e", "postman/local.postman_environment.json",
                    "--env-var", f"baseUrl={web.url}", "--reporters", "cli", "--color", "off",
                ],
            )  # fmt: skip
            token = Api(web.url).login(f"+7916{secrets.randbelow(10**7):07d}")["access"]
            step(
                f"Schemathesis: {examples} examples per operation, seed {seed}",
                [
                    str(Path(sys.executable).parent / "st"), "--no-color", "run",
                    f"{web.url}/api/schema.json", "--url", web.url,
                    "--header", f"Authorization: Bearer {token}",
                    "--max-examples", examples, "--seed", seed, "--generation-database", "none",
                ],
            )  # fmt: skip
    except subprocess.CalledProcessError as failed:
        print(f"make e2e: {failed.cmd[0]} failed with {failed.returncode}", file=sys.stderr)
        return 1
    finally:
        print(f"make e2e: {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
