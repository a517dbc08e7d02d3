"""The service's own processes, as a deployment runs them: the Procfile's commands, with one
set of environment variables, on the PostgreSQL, Redis and broker URLs they are given.

    with Stack(directory, database_url=..., redis_url=...) as stack:
        stack.migrate()
        web = stack.web()
        stack.worker()
        Api(web.url).login("+79161234567")

Each process logs into `directory/<name>.log`; leaving the block stops them all.
"""

import os
import secrets
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from harness.servers import Command, HTTPService, spare_port, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# What a stack does not take from the environment of whoever starts it: its settings module and
# its URLs (and how to reach them: a pooler, sentinels) are its own, and so is Celery's
# configuration.
NOT_INHERITED = (
    "DJANGO_",
    "CELERY_",
    "FLOWER_",
    "DATABASE_URL",
    "DATABASE_POOLER",
    "REDIS_URL",
    "REDIS_SENTINEL",
    "BIND",
    "PORT",
)


def procfile() -> dict[str, str]:
    """The Procfile's process types and their commands."""
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def database_url(settings_dict: dict) -> str:
    """The URL of a Django database's settings (the test database, for a stack of the tests)."""
    credentials = quote(settings_dict["USER"] or "")
    if settings_dict["PASSWORD"]:
        credentials += f":{quote(settings_dict['PASSWORD'])}"
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(settings_dict['NAME'])}"


@dataclass
class Process:
    """One running process of the stack."""

    name: str
    executor: Command
    log: Path
    url: str | None = None  # a web process's base URL

    @property
    def pid(self) -> int:
        return self.executor.process.pid

    def stop(self) -> None:
        self.executor.stop()

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would."""
        self.executor.kill()

    def start(self) -> None:
        self.executor.start()

    def running(self) -> bool:
        return self.executor.running()


class Stack:
    """web, worker, beat and Flower processes from the Procfile, on the given URLs."""

    def __init__(
        self,
        directory: Path,
        *,
        database_url: str,
        redis_url: str,
        broker_url: str | None = None,
        settings: str = "project.settings.production",
        env: dict | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.broker_url = broker_url or redis_url
        self.env = {
            key: value for key, value in os.environ.items() if not key.startswith(NOT_INHERITED)
        }
        self.env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONPATH=str(BASE_DIR),
            DJANGO_SETTINGS_MODULE=settings,
            # One key for every process: a code hashed by one web process is checked by
            # another, and a token signed by one is accepted by the others.
            SECRET_KEY=secrets.token_urlsafe(64),
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
            SMS_INBOX_ENABLED="1",  # the stack's clients read their codes, as a developer would
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=self.broker_url,
        )
        self.env.update(env or {})
        self.processes: list[Process] = []

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def run(self, name: str, command: str, **env: str) -> str:
        """A one-shot command (the release step, a management command), to its end."""
        done = subprocess.run(
            ["sh", "-c", command], cwd=BASE_DIR, env={**self.env, **env},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        (self.directory / f"{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def migrate(self) -> None:
        """The database (created if missing), then the Procfile's release step."""
        self.run("ensure-database", f"{shlex.quote(sys.executable)} scripts/ensure_database.py")
        self.run("release", procfile()["release"])

    def _start(self, name: str, executor_class, command: str, env: dict, **kwargs) -> Process:
        log = self.directory / f"{name}.log"
        out = log.open("a")
        executor = executor_class(
            ["sh", "-c", f"exec {command}"],  # exec: signals reach the process itself
            cwd=str(BASE_DIR),
            envvars={**self.env, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=kwargs.pop("timeout", 60),
            **kwargs,
        )
        process = Process(name, executor, log)
        self.processes.append(process)
        try:
            executor.start()
        except Exception as exc:
            raise RuntimeError(f"{name} did not start:\n{log.read_text()}") from exc
        return process

    def web(self, name: str = "web", *, port: int | None = None, **env: str) -> Process:
        """A web process (gunicorn), ready once /healthz answers."""
        port = port or spare_port()
        url = f"http://127.0.0.1:{port}"
        process = self._start(
            name,
            HTTPService,
            procfile()["web"],
            {"BIND": f"127.0.0.1:{port}", **env},
            url=f"{url}/healthz",
        )
        process.url = url
        return process

    def worker(self, name: str = "worker", *, args: str = "", **env: str) -> Process:
        """A Celery worker named `name@<host>`, ready once it answers a ping over the broker;
        its metrics are at `process.url` + /metrics (a port of its own)."""
        hostname = f"{name}@{socket.gethostname()}"
        command = f"{procfile()['worker']} --hostname {shlex.quote(hostname)} {args}".strip()
        port = int(env.setdefault("WORKER_METRICS_PORT", str(spare_port())))
        process = self._start(name, Command, command, env)
        self._wait_for_ping(process, hostname, env)
        process.url = f"http://127.0.0.1:{port}" if port else None
        return process

    def _wait_for_ping(self, process: Process, hostname: str, env: dict) -> None:
        env = {**self.env, **env}  # the broker of this process, which may be another one
        wait_until(
            lambda: self._answers_ping(hostname, env) or not process.running(),
            timeout=60,
            what=f"{hostname} did not answer a ping",
            interval=0.2,
        )
        if not process.running():
            raise RuntimeError(f"{process.name} stopped:\n{process.log.read_text()}")

    def beat(self, name: str = "beat", **env: str) -> Process:
        """Celery beat, the periodic tasks' scheduler (one per deployment), ready once it
        answers a ping over the broker."""
        env = {"CELERY_BEAT_SCHEDULE_FILENAME": str(self.directory / f"{name}-schedule"), **env}
        process = self._start(name, Command, procfile()["beat"], env)
        self._wait_for_ping(process, f"celerybeat@{socket.gethostname()}", env)
        return process

    def flower(self, name: str = "flower", **env: str) -> Process:
        """Flower on a spare port, ready once its /healthcheck answers."""
        port = spare_port()
        url = f"http://127.0.0.1:{port}"
        env = {"FLOWER_PORT": str(port), "FLOWER_ADDRESS": "127.0.0.1", **env}
        process = self._start(
            name,
            HTTPService,
            "celery -A worker flower",
            env,
            url=f"{url}/healthcheck",
            method="GET",  # Flower's health check answers GET only
        )
        process.url = url
        return process

    def _answers_ping(self, hostname: str, env: dict) -> bool:
        # A Celery app of its own, on this stack's broker: the caller's may have another. The
        # read and write URLs, unlike broker_url, win over a CELERY_BROKER_URL in the
        # environment. The broker's transport and options as the stack's settings build them
        # (a sentinel:// broker needs the master's name, for one).
        from celery import Celery

        from project.settings.connections import celery_broker, sentinel_addresses

        broker = celery_broker(
            env["CELERY_BROKER_URL"],
            timeout=1,
            visibility_timeout=60,
            sentinels=sentinel_addresses(env.get("REDIS_SENTINELS", "")),
            sentinel_master=env.get("REDIS_SENTINEL_MASTER", "mymaster"),
        )
        app = Celery(set_as_current=False)
        app.conf.broker_read_url = app.conf.broker_write_url = broker["CELERY_BROKER_URL"]
        app.conf.broker_transport = broker["CELERY_BROKER_TRANSPORT"]
        app.conf.broker_transport_options = broker["CELERY_BROKER_TRANSPORT_OPTIONS"]
        try:
            return bool(app.control.ping(destination=[hostname], timeout=0.5))
        except OSError:
            return False
        finally:
            app.close()

    def stop(self) -> None:
        """Stop every process, the last started first."""
        for process in reversed(self.processes):
            if process.running():
                process.stop()
        self.processes.clear()

    def logs(self) -> str:
        """Every process's log, for a failure's message."""
        logs = sorted(self.directory.glob("*.log"))
        return "\n".join(f"== {log.name}\n{log.read_text()}" for log in logs)
