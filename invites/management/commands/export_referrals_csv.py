"""`manage.py export_referrals_csv [--output FILE] [--measure]`: the admin's CSV export, here.

The same generator the admin streams (invites.exports.referrals_csv). With --measure it
writes to the output (/dev/null is fine) and reports on stderr the rows, bytes and time, and
the process's peak resident memory before and after the export (VmHWM, from /proc), so that
the memory an export adds can be read off; --tracemalloc also reports the peak of Python's
own allocations during the export (slower).
"""

import sys
import time
import tracemalloc
from pathlib import Path

from django.core.management.base import BaseCommand

from invites.exports import referrals_csv


def peak_rss_kib() -> int | None:
    """The process's peak resident set size so far (Linux), in KiB."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


class Command(BaseCommand):
    help = "Write the CSV export of every referral; --measure reports its memory and time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default="-", help="a file, or - for stdout")
        parser.add_argument("--chunk-size", type=int, default=5_000)
        parser.add_argument("--measure", action="store_true")
        parser.add_argument("--tracemalloc", action="store_true")
        parser.add_argument(
            "--limit", type=int, default=None, help="stop after about this many rows (a block)"
        )

    def handle(self, *args, output: str, chunk_size: int, measure: bool, **options):
        out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
        before = peak_rss_kib()
        if options["tracemalloc"]:
            tracemalloc.start()
        started = time.perf_counter()
        rows = written = 0
        try:
            for block in referrals_csv(chunk_size=chunk_size):
                out.write(block)
                written += len(block.encode())
                rows += block.count("\n")
                if options["limit"] is not None and rows > options["limit"]:
                    break
        finally:
            if out is not sys.stdout:
                out.close()
        seconds = time.perf_counter() - started
        if not (measure or options["tracemalloc"]):
            return
        report = [
            f"rows {rows - 1:,} (and a header line)",
            f"bytes {written:,}",
            f"seconds {seconds:.1f}",
            f"chunk size {chunk_size:,}",
        ]
        after = peak_rss_kib()
        if before is not None and after is not None:
            report.append(
                f"peak RSS before {before / 1024:.1f} MiB, after {after / 1024:.1f} MiB "
                f"(the export added {(after - before) / 1024:.1f} MiB)"
            )
        if options["tracemalloc"]:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            report.append(f"tracemalloc peak during the export {peak / 1024 / 1024:.1f} MiB")
        self.stderr.write("\n".join(report))
