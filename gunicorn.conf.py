"""gunicorn settings for `gunicorn -c gunicorn.conf.py project.wsgi`; each can come from the env."""

import os

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
# The app logs one line per request itself (project.middleware.RequestLogMiddleware).
accesslog = None
errorlog = "-"
# gunicorn's own lines (start, workers, errors) in the app's format: JSON with production
# settings (the default of project.wsgi) unless LOG_FORMAT says otherwise.
_production = os.environ.get("DJANGO_SETTINGS_MODULE", "project.settings.production").endswith(
    ".production"
)
if os.environ.get("LOG_FORMAT", "json" if _production else "text") == "json":
    # A whole dictConfig: with gunicorn's defaults its lines would also reach the root logger.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl) is not used here: several servers on
# one machine would share its path, and the image's user has no writable home.
control_socket_disable = True
# Worker heartbeats (mkstemp files) in memory: a container's /tmp may be a slow overlay disk.
SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(SHM):
    worker_tmp_dir = SHM


def post_worker_init(worker):
    # A long streamed response (the admin's CSV export) reports to the arbiter between its
    # blocks, so that `timeout` stops stuck workers and not a download in progress.
    from project.heartbeat import worker_register

    worker_register(worker)
