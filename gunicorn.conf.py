"""gunicorn settings for `gunicorn -c gunicorn.conf.py project.wsgi`; each can come from the env."""

import os
import shutil
import tempfile
from pathlib import Path

from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers, one request at a time each, all taking requests from one shared socket: the
# fairest queue (in `make bench` p99 stays within 2x p50, where threaded workers, each with
# its own queue of kept-alive connections, reach 5-10x). They belong behind a proxy that
# holds the clients' connections, as every deployment here has. WEB_THREADS above 1 makes
# them threaded (gthread): the embedded default, a single process, runs so.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
timeout = 30
graceful_timeout = 20
# The app logs one line per request itself (project.middleware.RequestLogMiddleware), without
# the query string (it may hold a phone, a referral code, a cursor). gunicorn's access log stays
# off: note that any logconfig/logconfig_dict would switch it back on, query string included.
accesslog = None
errorlog = "-"


class JsonLogger(glogging.Logger):
    """gunicorn's own lines (start, workers, errors) as JSON objects, as the app writes them."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)


# JSON with production settings (the default of project.wsgi) unless LOG_FORMAT says otherwise.
_production = os.environ.get("DJANGO_SETTINGS_MODULE", "project.settings.production").endswith(
    ".production"
)
if os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json":
    logger_class = JsonLogger
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl) is not used here: several servers on
# one machine would share its path, and the image's user has no writable home.
control_socket_disable = True
# Worker heartbeats (mkstemp files) in memory: a container's /tmp may be a slow overlay disk.
SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# Metrics of every worker process, added up at /metrics: prometheus-client's multiprocess mode
# keeps each process's values in files of this directory (given, or one of this server's own).
_OWN_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="metrics-")
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={METRICS_DIR}"]


def on_starting(server) -> None:
    # A directory that outlived an earlier server (a container's volume) holds its dead
    # processes' values: they would be added to this one's.
    for stale in Path(METRICS_DIR).glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)


def post_worker_init(worker):
    # A long streamed response (the admin's CSV export) reports to the arbiter between its
    # blocks, so that `timeout` stops stuck workers and not a download in progress.
    from project.heartbeat import worker_register

    worker_register(worker)
