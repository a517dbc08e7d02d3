"""SMS deliveries by one worker process, and whole logins as people make them."""

import statistics
import threading
import time

from bench import cpu
from bench.wrk import log
from harness import Api, Stack


def measure_delivery(stack: Stack, count: int) -> dict:
    """Queue `count` codes, then time one new worker process delivering them all (from its
    start), and the CPU it spent per message once it was delivering (its start-up left out).
    A code counts as delivered once the message log says so, as an operator would read it."""
    from sms.models import SmsLog
    from sms.tasks import sms_deliver

    queue = "bench-delivery"
    phones = [f"+7924{n:07d}" for n in range(count)]
    for phone in phones:
        sms_deliver.apply_async(args=(phone, "Your code: 0000."), queue=queue)

    def delivered() -> int:
        return SmsLog.objects.filter(phone__in=phones, status=SmsLog.Status.SENT).count()

    started = time.monotonic()
    worker = stack.worker("bench-delivery", args=f"-Q {queue}", LOG_LEVEL="INFO")
    try:
        done, first = 0, None  # first: (CPU ticks, delivered) when the first SMS was seen
        while done < count and time.monotonic() - started < 120:
            time.sleep(0.25)
            done = delivered()
            if first is None and done:
                first = (cpu.process_ticks(worker.pid), done)
        seconds = time.monotonic() - started
        ticks = cpu.process_ticks(worker.pid)
    finally:
        worker.stop()
    cpu_ms = None
    if first and done > first[1]:
        cpu_ms = (ticks - first[0]) / cpu.TICKS / (done - first[1]) * 1000
    log(f"  delivery: {done}/{count} in {seconds:.1f} s, {cpu_ms or 0:.2f} ms CPU each")
    return {
        "codes": count,
        "delivered": done,
        "seconds": round(seconds, 2),
        "cpu_ms_per_message": round(cpu_ms, 2) if cpu_ms else None,
    }


def measure_logins(base_url: str, users: int) -> dict:
    """`users` people logging in at once: send-code, wait for the SMS, verify-code. One
    login first, not counted: a process's first request and first task import and connect."""
    api = Api(base_url, timeout=30)
    api.login("+79229999999")
    durations: list[float] = []
    failures: list[str] = []

    def one(phone: str) -> None:
        started = time.monotonic()
        try:
            api.login(phone)
        except (RuntimeError, TimeoutError) as exc:
            failures.append(str(exc))
            return
        durations.append(time.monotonic() - started)

    threads = [threading.Thread(target=one, args=(f"+7923{n:07d}",)) for n in range(users)]
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
