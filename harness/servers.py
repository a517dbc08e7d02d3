"""Servers of a test's or a drill's own, on spare ports: never the machine's shared ones.

Processes are mirakuru executors: each starts in a process group of its own, is ready once its
port answers, and stops (or is killed, paused and resumed) as a whole group, children included.
PostgreSQL refuses to run as root, and pytest-postgresql's executor runs it as the current
user, so the cluster here runs as the `postgres` user when the harness runs as root (as CI does).
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
from mirakuru import HTTPExecutor, SimpleExecutor, TCPExecutor
from mirakuru.base import ENV_UUID


def spare_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port that refuses connections: a backing service that is down."""
    return spare_port()


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, *, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll `check()` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} after {timeout} s")
        time.sleep(interval)


class OwnEnvironment:
    """An executor whose process gets exactly the environment it is given.

    mirakuru adds its `envvars` to this process's environment; a stack must not inherit, say,
    the DJANGO_SETTINGS_MODULE that pytest-django set here.
    """

    @property
    def envvars(self) -> dict[str, str]:
        # mirakuru's mark, by which it finds the process's children to stop them too.
        return {**self._envvars, ENV_UUID: self._uuid}


class Command(OwnEnvironment, SimpleExecutor):
    """A process that is ready as soon as it has started."""


class HTTPService(OwnEnvironment, HTTPExecutor):
    """A process that is ready once its URL answers."""


class SilentServer:
    """A port that takes connections and never answers: a backing service that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)  # the kernel completes the handshakes; nobody ever reads
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


class Server(TCPExecutor):
    """A server process of our own that listens on `port`, with its output in `log`."""

    def __init__(self, command: list[str], *, port: int, log: Path, **kwargs) -> None:
        self.port = port
        self.log = log
        self._log_file = log.open("a")
        kwargs.setdefault("timeout", 60)
        super().__init__(
            command,
            host="127.0.0.1",
            port=port,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            **kwargs,
        )

    def pause(self) -> None:
        """SIGSTOP the whole group: the server hangs, its sockets stay open (a stalled host)."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self, *args, **kwargs):
        super().stop(*args, **kwargs)
        wait_until(lambda: not port_open(self.port), timeout=30, what=f"port {self.port} open")
        return self


class RedisServer(Server):
    """A redis-server in `directory`; `appendonly` keeps an append-only file, as production does."""

    def __init__(self, directory: Path, *, appendonly: bool = False, args: tuple = ()) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        port = spare_port()
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--save", "", "--appendonly", "yes" if appendonly else "no",
            "--appendfsync", "everysec", *args,
        ]  # fmt: skip
        super().__init__(command, port=port, log=self.directory / f"redis-{port}.log")

    @property
    def url(self) -> str:
        return self.database(0)

    def database(self, number: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{number}"


class PostgresServer(Server):
    """A throwaway PostgreSQL cluster: initdb on the first start, fsync off, trust auth.

    Its files are in a directory of its own that the `postgres` user can reach; `cleanup()`
    removes them.
    """

    def __init__(self) -> None:
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        self.bin = bindirs[-1] if bindirs else Path(shutil.which("postgres") or "postgres").parent
        self.directory = Path(tempfile.mkdtemp(prefix="harness-pg-"))
        self.data = self.directory / "data"
        self.user = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        if self.user:
            shutil.chown(self.directory, "postgres", "postgres")
        port = spare_port()
        command = [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(port),
            "-c", "listen_addresses=127.0.0.1", "-k", str(self.directory),
            "-c", "fsync=off", "-c", "full_page_writes=off",
        ]  # fmt: skip
        # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, not waited for.
        super().__init__(
            command,
            port=port,
            log=self.directory / "server.log",
            stop_signal=signal.SIGINT,
            popen_kwargs=self.user,
        )

    def start(self):
        if not self.data.exists():
            subprocess.run(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
                check=True,
                capture_output=True,
                **self.user,
            )
        return super().start()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _processes(self) -> list[psutil.Process]:
        """The postmaster, then every process it started: each of those is a session of its
        own (PostgreSQL calls setsid()), so the group's signal would not reach them."""
        postmaster = psutil.Process(self.process.pid)
        return [postmaster, *postmaster.children()]

    def pause(self) -> None:
        """SIGSTOP the whole cluster: it hangs with every connection open (the kernel still
        completes handshakes and takes what is sent), and no server-side timeout can fire."""
        for process in self._processes():  # the postmaster first: it forks nothing meanwhile
            process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        for process in reversed(self._processes()):
            process.send_signal(signal.SIGCONT)

    def cleanup(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class NginxServer(Server):
    """nginx in front of `upstream` (host:port), with deploy/nginx's site template filled in as
    the nginx image fills it (${NAME} from its environment), in a directory of its own."""

    TEMPLATE = (
        Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "referral.conf.template"
    )

    def __init__(self, upstream: str) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.directory = Path(tempfile.mkdtemp(prefix="harness-nginx-"))
        port = spare_port()
        site = self.TEMPLATE.read_text()
        for name, value in {"REFERRAL_WEB": upstream, "REFERRAL_PORT": f"127.0.0.1:{port}"}.items():
            site = site.replace(f"${{{name}}}", value)
        root = self.directory
        (root / "referral.conf").write_text(site)
        temp_paths = "\n".join(
            f"    {kind}_temp_path {root}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (root / "nginx.conf").write_text(
            f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp_paths}
    include {root}/referral.conf;
}}
"""
        )
        super().__init__(
            [binary, "-p", str(root), "-c", str(root / "nginx.conf")],
            port=port,
            log=root / "stderr.log",
            stop_signal=signal.SIGQUIT,  # nginx's graceful shutdown
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cleanup(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
