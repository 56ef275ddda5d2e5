"""PostgreSQL and Redis of Debian, started by the tests on loopback in throw-away directories.

Both can be killed with SIGKILL and started again on the same data, as a crash and a restart by
the operator would. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis

LOOPBACK = "127.0.0.1"
POSTGRES_USER = "lotse"
POSTGRES_DB = "lotse"
STARTUP_TIMEOUT = 30.0


def postgres_bin_dir() -> Path | None:
    """Debian's newest PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    return found[-1].parent if found else None


def redis_server() -> str | None:
    """The redis-server binary, if installed."""
    return shutil.which("redis-server")


def _as_postgres_user() -> dict:
    """Popen arguments that drop root to the `postgres` user (nothing when not root)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _wait(ready: callable, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not start within {STARTUP_TIMEOUT:.0f} s")


@dataclass
class Postgres:
    """A PostgreSQL cluster in a temporary directory, listening on LOOPBACK:port."""

    port: int
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lotse-pg-")))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database."""
        return f"postgresql://{POSTGRES_USER}:test@{LOOPBACK}:{self.port}/{POSTGRES_DB}"

    def init(self) -> None:
        """Create the cluster (trust on loopback: a test database) and the database."""
        bin_dir = postgres_bin_dir()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(self.root / "data"), "-U", POSTGRES_USER,
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True, stdout=subprocess.DEVNULL, **_as_postgres_user(),
        )  # fmt: skip
        self.start()
        connection = self.connect("postgres")
        try:
            connection.autocommit = True
            connection.cursor().execute(f"CREATE DATABASE {POSTGRES_DB}")
        finally:
            connection.close()

    def start(self) -> None:
        """Start the server on the existing cluster (after a kill: with crash recovery)."""
        log = (self.root / "postgres.log").open("ab")
        self.process = subprocess.Popen(
            [str(postgres_bin_dir() / "postgres"), "-D", str(self.root / "data"),
             "-p", str(self.port), "-c", f"listen_addresses={LOOPBACK}",
             "-c", f"unix_socket_directories={self.root}", "-c", "fsync=off"],
            stdout=log, stderr=log, start_new_session=True, **_as_postgres_user(),
        )  # fmt: skip
        _wait(self._accepts, "PostgreSQL", self.process)

    def connect(self, database: str = POSTGRES_DB) -> psycopg2.extensions.connection:
        """A new connection; close it when done."""
        return psycopg2.connect(
            host=LOOPBACK, port=self.port, user=POSTGRES_USER, dbname=database, connect_timeout=2
        )

    def _accepts(self) -> bool:
        try:
            self.connect("postgres").close()
        except psycopg2.OperationalError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the server and all its backends."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def remove(self) -> None:
        """Kill and delete the cluster."""
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Redis:
    """A redis-server without persistence, listening on LOOPBACK:port."""

    port: int
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lotse-redis-")))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """redis:// URL of database 0."""
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> None:
        """Start the server (again)."""
        log = (self.root / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [redis_server(), "--port", str(self.port), "--bind", LOOPBACK, "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        _wait(self._answers, "Redis", self.process)

    def client(self) -> redis.Redis:
        """A client of this server."""
        return redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=2)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL the server."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def remove(self) -> None:
        """Kill and delete the directory."""
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
