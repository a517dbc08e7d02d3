"""Where a send-code's CPU goes in the web process, piece by piece, next to /healthz.

`make bench` says how fast the whole stack answers; this says what one send-code costs the
process that serves it. It calls Django's WSGI handler directly (no HTTP server, no wrk) with
the bench's settings and Redis databases: send-code, a refused send-code and a verify-code
that finds no code, whole; then each piece on its own: what Django REST framework's request
cycle costs over a plain Django view (both reading the same JSON body, no middleware), the
phone parsing, the code store's script, queueing the SMS with Celery (next to a bare LPUSH of
the same size and a PING, one Redis round trip), and code_send as a whole.

    .venv/bin/python -m bench.breakdown [--calls N] [--rounds R]

Each figure is the lowest of R rounds of N calls (the machine's other load only adds to it),
in microseconds of this process's CPU per call; waiting on Redis is not CPU, but sending and
receiving on loopback is.
"""

import argparse
import io
import itertools
import json
import sys
import time

from bench.stack import BROKER_URL, PORT, REDIS_URL, bench_stack, django_setup


def cpu_per_call(fn, calls: int, rounds: int) -> float:
    for _ in range(calls // 10):
        fn()  # warm up: connections, loaded scripts, lazy imports
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - started) / calls)
    return best * 1e6


def wsgi_caller(application):
    """One request through Django's WSGI handler, as gunicorn would make it, minus the socket."""

    def call(method: str, path: str, body: dict | None = None, expect=("200", "202")) -> str:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(PORT), "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(data)),
        }  # fmt: skip
        status = []
        response = application(environ, lambda line, headers, exc_info=None: status.append(line))
        b"".join(response)
        response.close()
        if not status[0].startswith(expect):
            raise RuntimeError(f"{method} {path}: {status[0]}")
        return status[0]

    return call


def bare_views():
    """A plain Django view and a Django REST framework view that both read a JSON body and
    answer `{}`, and a POST to each (a request as the test client builds it, no middleware)."""
    from django.http import JsonResponse
    from django.test import RequestFactory
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Nothing(APIView):
        authentication_classes = permission_classes = throttle_classes = []

        def post(self, request):
            return Response({"phone": request.data["phone"]})

    def nothing(request):
        return JsonResponse({"phone": json.loads(request.body)["phone"]})

    factory = RequestFactory()
    body = json.dumps({"phone": "+79161234567"})

    def post_to(view):
        def post():
            response = view(factory.post("/", body, content_type="application/json"))
            getattr(response, "render", lambda: None)()

        return post

    return post_to(nothing), post_to(Nothing.as_view())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    django_setup(bench_stack())  # its settings and databases; no process is started
    import redis
    from django.core.wsgi import get_wsgi_application

    from accounts.otp import otp_issue
    from accounts.services import code_send
    from sms.phones import phone_normalize
    from sms.tasks import sms_enqueue

    cache = redis.Redis.from_url(REDIS_URL)
    broker = redis.Redis.from_url(BROKER_URL)
    numbers = itertools.count()

    def fresh_phone() -> str:
        return f"+7926{next(numbers):07d}"

    def issue() -> None:
        with otp_issue(phone=fresh_phone()):
            pass

    call = wsgi_caller(get_wsgi_application())
    django_view, drf_view = bare_views()
    text = "Your code: 1234. It is valid for 5 minutes."
    send, verify = "/api/v1/auth/send-code/", "/api/v1/auth/verify-code/"
    pieces = [
        ("GET /healthz (whole request)", lambda: call("GET", "/healthz")),
        ("POST send-code (whole request)", lambda: call("POST", send, {"phone": fresh_phone()})),
        ("POST send-code, refused: sent just now",
         lambda: call("POST", send, {"phone": "+79161234567"}, expect=("202", "429"))),
        ("POST verify-code, refused: no code",
         lambda: call("POST", verify, {"phone": "+79161234568", "code": "0000"}, expect="400")),
        ("  a Django view reading the body", django_view),
        ("  a REST framework view reading the body", drf_view),
        ("  code_send", lambda: code_send(phone=fresh_phone())),
        ("    phone_normalize", lambda: phone_normalize("+79161234567")),
        ("    otp_issue (one script)", issue),
        ("    sms_enqueue (Celery publish)",
         lambda: sms_enqueue(phone="+79161234567", text=text, expires_in=300)),
        ("Redis PING (one round trip)", cache.ping),
        ("Redis LPUSH of a Celery message's size", lambda: broker.lpush("bench", b"x" * 1100)),
    ]  # fmt: skip
    try:
        print(f"CPU per call in one process, lowest of {options.rounds} rounds of {options.calls}:")
        for name, fn in pieces:
            print(f"  {name:42s} {cpu_per_call(fn, options.calls, options.rounds):7.1f} us")
    finally:
        cache.flushdb()  # the bench's own databases: codes, throttle counters, queued SMS
        broker.flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
