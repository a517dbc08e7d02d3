"""Log a fresh user in through the running API and print its access token (for `make e2e`).

    python scripts/e2e_login.py http://127.0.0.1:8055

Sends a code to a random phone, reads it from the dev SMS inbox (the simulated gateway takes
1-2 s), verifies it. Standard library only.
"""

import json
import re
import secrets
import sys
import time
import urllib.parse
import urllib.request


def call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 (the URL is the local stack's)
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def login(base: str) -> str:
    phone = f"+7916{secrets.randbelow(10**7):07d}"
    call(base, "POST", "/api/v1/auth/send-code/", {"phone": phone})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        query = urllib.parse.urlencode({"phone": phone})
        messages = call(base, "GET", f"/api/v1/dev/sms/?{query}")["results"]
        if messages:
            code = re.search(r"\b(\d{4})\b", messages[0]["text"]).group(1)
            verified = call(
                base, "POST", "/api/v1/auth/verify-code/", {"phone": phone, "code": code}
            )
            return verified["access"]
        time.sleep(0.2)
    raise SystemExit(f"no SMS reached {phone} within 15 s: is the Celery worker running?")


if __name__ == "__main__":
    print(login(sys.argv[1].rstrip("/")))
