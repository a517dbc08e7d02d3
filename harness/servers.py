"""Servers of a test's or a drill's own, on spare ports: never the machine's shared ones.

Processes are mirakuru executors: each starts in a process group of its own, is ready once its
port answers, and stops (or is killed, paused and resumed) as a whole group, children included.
PostgreSQL refuses to run as root, and pytest-postgresql's executor runs it as the current
user, so the cluster here runs as the `postgres` user when the harness runs as root (as CI does).
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import redis
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


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


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


class RedisSentinel(Server):
    """A Redis Sentinel watching the master at `master_port` under the name `name`.

    Its config file (which Sentinel rewrites as it learns replicas and other sentinels) is in
    `directory`. Short `down_after_ms` and `failover_timeout_ms` make a drill's failover quick;
    production keeps Sentinel's defaults or close to them (docs/scaling.md).
    """

    def __init__(
        self,
        directory: Path,
        *,
        master_port: int,
        name: str = "mymaster",
        quorum: int = 2,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 3000,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        port = spare_port()
        config = self.directory / f"sentinel-{port}.conf"
        config.write_text(
            f"port {port}\n"
            "bind 127.0.0.1\n"
            f"dir {self.directory}\n"
            f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n"
            f"sentinel down-after-milliseconds {name} {down_after_ms}\n"
            f"sentinel failover-timeout {name} {failover_timeout_ms}\n"
            f"sentinel parallel-syncs {name} 1\n"
        )
        command = [shutil.which("redis-server") or "redis-server", str(config), "--sentinel"]
        super().__init__(command, port=port, log=self.directory / f"sentinel-{port}.log")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def master(self) -> tuple[str, int] | None:
        """The master's address as this sentinel sees it now."""
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            found = client.sentinel_get_master_addr_by_name(self.name)
        finally:
            client.close()
        return (found[0], int(found[1])) if found else None


class RedisSentinelGroup:
    """A Redis master, `replicas` replicas of it and `sentinels` sentinels watching them under
    `name`, all of our own, in `directory`. `start()` returns once the sentinels know the
    replicas and each other and the replicas are in sync, so that a failover can happen.
    """

    def __init__(
        self,
        directory: Path,
        *,
        replicas: int = 1,
        sentinels: int = 3,
        name: str = "mymaster",
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 3000,
        appendonly: bool = False,
    ) -> None:
        directory = Path(directory)
        self.name = name
        self.master = RedisServer(directory / "master", appendonly=appendonly)
        self.replicas = [
            RedisServer(
                directory / f"replica{n}",
                appendonly=appendonly,
                args=("--replicaof", "127.0.0.1", str(self.master.port)),
            )
            for n in range(replicas)
        ]
        self.sentinels = [
            RedisSentinel(
                directory / f"sentinel{n}",
                master_port=self.master.port,
                name=name,
                quorum=sentinels // 2 + 1,
                down_after_ms=down_after_ms,
                failover_timeout_ms=failover_timeout_ms,
            )
            for n in range(sentinels)
        ]

    @property
    def addresses(self) -> str:
        """REDIS_SENTINELS for this group."""
        return ",".join(sentinel.address for sentinel in self.sentinels)

    def start(self) -> "RedisSentinelGroup":
        for server in (self.master, *self.replicas, *self.sentinels):
            server.start()
        wait_until(self._ready, timeout=60, what="the sentinels did not see the whole group")
        return self

    def _ready(self) -> bool:
        for replica in self.replicas:
            client = redis.Redis(port=replica.port, socket_timeout=1)
            try:
                if client.info("replication").get("master_link_status") != "up":
                    return False
            finally:
                client.close()
        for sentinel in self.sentinels:
            client = redis.Redis(port=sentinel.port, socket_timeout=1)
            try:
                state = client.sentinel_master(self.name)
            finally:
                client.close()
            if state["num-slaves"] < len(self.replicas):
                return False
            if state["num-other-sentinels"] < len(self.sentinels) - 1:
                return False
        return True

    def master_port(self) -> int | None:
        """The master's port, as the first sentinel that answers sees it now."""
        for sentinel in self.sentinels:
            try:
                found = sentinel.master()
            except (OSError, redis.RedisError):
                continue  # that one is down: ask the next
            if found:
                return found[1]
        return None

    def stop(self) -> None:
        for server in (*self.sentinels, *self.replicas, self.master):
            if server.running():
                server.stop()


class PgBouncer(Server):
    """A PgBouncer of our own in front of the PostgreSQL at `host:port`: every database there
    (a wildcard entry), the users of `users` (name: password, empty for none) with `trust`
    auth on its side, `pool_mode` transaction unless told otherwise.

    Its config and auth file are in `directory`. PgBouncer refuses to run as root; as root
    (CI) it reads them, then switches to the `postgres` user. `settings` adds or overrides
    lines of its `[pgbouncer]` section.
    """

    def __init__(
        self,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 5432,
        users: dict[str, str],
        pool_mode: str = "transaction",
        settings: dict | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.admin = next(iter(users))
        listen = spare_port()
        auth_file = self.directory / "users.txt"
        auth_file.write_text(
            "".join(f"{_quoted(name)} {_quoted(secret)}\n" for name, secret in users.items())
        )
        options = {
            "listen_addr": "127.0.0.1",
            "listen_port": listen,
            "unix_socket_dir": "",
            # Its own side trusts the client (loopback); PostgreSQL gets the auth file's
            # password for the user, when it has one.
            "auth_type": "trust",
            "auth_file": auth_file,
            "pool_mode": pool_mode,
            "default_pool_size": 20,
            "max_client_conn": 1000,
            # A client kept connected (CONN_MAX_AGE) waits this long for a server connection
            # when PostgreSQL is gone (PgBouncer's default: 120 s); docs/scaling.md.
            "query_wait_timeout": 5,
            "server_connect_timeout": 2,
            "admin_users": self.admin,
            **(settings or {}),
        }
        config = self.directory / "pgbouncer.ini"
        config.write_text(
            f"[databases]\n* = host={host} port={port}\n\n[pgbouncer]\n"
            + "".join(f"{key} = {value}\n" for key, value in options.items())
        )
        command = [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "postgres"]
        # SIGTERM is PgBouncer's immediate shutdown, after which it exits with status 1.
        super().__init__(
            command, port=listen, log=self.directory / "pgbouncer.log", expected_returncode=1
        )

    def url(self, database: str, user: str | None = None) -> str:
        return f"postgres://{user or self.admin}@127.0.0.1:{self.port}/{database}"

    def console(self, command: str) -> list[tuple]:
        """A command of PgBouncer's admin console (`SHOW POOLS`, `KILL db`, ...)."""
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.admin, dbname="pgbouncer"
        )
        connection.autocommit = True  # the console knows no transactions
        try:
            with connection.cursor() as cursor:
                cursor.execute(command)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()


class RabbitMQVhost:
    """A virtual host of our own on the machine's RabbitMQ (`server`, an amqp:// URL without
    a vhost), created and deleted with `rabbitmqctl` (as root, or a user with RabbitMQ's
    Erlang cookie). Everything Celery declares lives in the vhost, the fixed names included
    (the `celery_delayed_*` exchanges and queues of native delayed delivery, the remote
    control's `celery.pidbox`), so nothing is shared with anyone else's queues.
    """

    def __init__(self, server: str = "amqp://guest:guest@127.0.0.1:5672", name: str = "") -> None:
        parts = urlsplit(server)
        self.server = f"{parts.scheme}://{parts.netloc}"
        self.user = parts.username or "guest"
        self.host, self.amqp_port = parts.hostname or "127.0.0.1", parts.port or 5672
        self.name = name or f"referral_test_{secrets.token_hex(4)}"
        self.created = False

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}"

    def _ctl(self, *args: str) -> str:
        ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        try:
            done = subprocess.run([ctl, *args], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {exc}") from exc
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def set_policy(self, name: str, pattern: str, definition: dict) -> None:
        """A policy on the vhost's queues whose names match `pattern` (max-length, ...)."""
        self._ctl(
            "set_policy", "-p", self.name, "--apply-to", "queues", name, pattern,
            json.dumps(definition),
        )  # fmt: skip

    def clear_policy(self, name: str) -> None:
        self._ctl("clear_policy", "-p", self.name, name)

    def queues(self) -> dict[str, dict]:
        """The vhost's queues by name: their `type`, `durable` and `messages` (ready and
        unacknowledged), as RabbitMQ reports them."""
        listed = self._ctl(
            "list_queues", "-q", "-p", self.name, "name", "type", "durable", "messages",
            "--formatter", "json",
        )  # fmt: skip
        return {queue.pop("name"): queue for queue in json.loads(listed or "[]")}

    def create(self) -> "RabbitMQVhost":
        if not port_open(self.amqp_port, self.host):
            raise RuntimeError(f"RabbitMQ does not answer on {self.host}:{self.amqp_port}")
        self._ctl("add_vhost", self.name)
        self.created = True
        self._ctl("set_permissions", "-p", self.name, self.user, ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        if self.created:
            self._ctl("delete_vhost", self.name)
            self.created = False

    def __enter__(self) -> "RabbitMQVhost":
        return self.create()

    def __exit__(self, *exc_info) -> None:
        self.delete()


def _quoted(text: str) -> str:
    """A name or password as PgBouncer's auth file writes it."""
    return '"' + text.replace('"', '""') + '"'
