"""Training the model and running Lotse's three processes: Rasa, the action server, the web app."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlsplit

import httpx

from lotse import PROJECT_ROOT
from lotse.config import Settings

BOT_DIR = PROJECT_ROOT / "bot"
CONFIG = PROJECT_ROOT / "config.yml"
MODEL_NAME = "lotse"
TRAINING_INPUTS = (CONFIG, BOT_DIR / "domain", BOT_DIR / "data")
#: Where `lotse run` binds Rasa (containers pass 0.0.0.0 to `lotse serve`).
LOOPBACK = "127.0.0.1"
#: Rasa's input channels; `lotse bench load` passes a copy that also enables `rest:`.
CREDENTIALS = BOT_DIR / "credentials.yml"


def _files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        yield from sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def training_fingerprint() -> str:
    """A hash over everything the model is trained from (config, domain, training data)."""
    digest = hashlib.sha256()
    for path in _files(TRAINING_INPUTS):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    """Where the trained model lives."""
    return settings.models_dir / f"{MODEL_NAME}.tar.gz"


def _fingerprint_file(settings: Settings) -> Path:
    return settings.models_dir / f"{MODEL_NAME}.fingerprint"


def model_is_current(settings: Settings) -> bool:
    """True when a model exists and was trained from the current config, domain and data."""
    stamp = _fingerprint_file(settings)
    return (
        model_path(settings).exists()
        and stamp.exists()
        and stamp.read_text().strip() == training_fingerprint()
    )


def train(settings: Settings, force: bool = False) -> bool:
    """Train the model unless it is current. Returns True if it trained."""
    if not force and model_is_current(settings):
        return False
    fingerprint = training_fingerprint()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _bin("rasa"), "train",
            "--config", str(CONFIG),
            "--domain", str(BOT_DIR / "domain"),
            "--data", str(BOT_DIR / "data"),
            "--out", str(settings.models_dir),
            "--fixed-model-name", MODEL_NAME,
        ],
        check=True,
        cwd=PROJECT_ROOT,
    )  # fmt: skip
    _fingerprint_file(settings).write_text(fingerprint + "\n")
    return True


def _answers(url: str) -> bool:
    """True if a GET on `url` answers 200."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _bin(name: str) -> str:
    """A console script of this virtual environment."""
    return str(Path(sys.executable).parent / name)


def child_environment(settings: Settings) -> dict[str, str]:
    """Environment of the three processes: every setting, and what bot/endpoints.yml refers to."""
    env = dict(os.environ)
    for name, value in settings.dict().items():
        env[f"LOTSE_{name.upper()}"] = (
            json.dumps(value) if isinstance(value, list | dict) else str(value)
        )
    env.setdefault("LOTSE_ACTION_ENDPOINT", f"{settings.action_url}/webhook")
    env.update(endpoint_environment(settings))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no usage data or crash reports to Rasa
    env.setdefault("SANIC_HOST", LOOPBACK)  # the action server's listen address
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def endpoint_environment(settings: Settings) -> dict[str, str]:
    """What bot/endpoints.yml reads besides the settings: the lock store, Rasa's timeouts.

    The tracker store is LOTSE_TRACKER_STORE_URL itself (a setting). libpq (Rasa's tracker store
    and the app database on PostgreSQL) reads PGCONNECT_TIMEOUT; Rasa reads TICKET_LOCK_LIFETIME.
    """
    env = {
        "LOTSE_LOCK_STORE_TYPE": "in_memory",
        "LOTSE_LOCK_STORE_HOST": "",
        "LOTSE_LOCK_STORE_PORT": "6379",
        "LOTSE_LOCK_STORE_DB": "0",
        "LOTSE_LOCK_STORE_PASSWORD": "",
        "TICKET_LOCK_LIFETIME": str(settings.lock_lifetime),
        "PGCONNECT_TIMEOUT": str(max(1, round(settings.connect_timeout))),
    }
    if settings.redis_url:
        redis = urlsplit(settings.redis_url)
        env["LOTSE_LOCK_STORE_TYPE"] = "redis"
        env["LOTSE_LOCK_STORE_HOST"] = redis.hostname or "localhost"
        env["LOTSE_LOCK_STORE_PORT"] = str(redis.port or 6379)
        env["LOTSE_LOCK_STORE_DB"] = redis.path.strip("/") or "0"
        env["LOTSE_LOCK_STORE_PASSWORD"] = unquote(redis.password or "")
    return env


def rasa_names(settings: Settings) -> list[str]:
    """Process names of the Rasa servers: "rasa", or "rasa-1" … "rasa-N" for replicas."""
    if settings.rasa_replicas == 1:
        return ["rasa"]
    return [f"rasa-{i}" for i in range(1, settings.rasa_replicas + 1)]


def commands(
    settings: Settings, credentials: Path = CREDENTIALS, interface: str = LOOPBACK
) -> dict[str, list[str]]:
    """The command line of each process (Rasa with the input channels of `credentials`).

    With `rasa_replicas` N > 1 there are N Rasa servers on consecutive ports from `rasa_port`.
    """
    rasa = {
        name: [
            _bin("rasa"), "run",
            "--model", str(model_path(settings)),
            "--credentials", str(credentials),
            "--endpoints", str(BOT_DIR / "endpoints.yml"),
            "--port", str(settings.rasa_port + i),
            "--interface", interface,
        ]
        for i, name in enumerate(rasa_names(settings))
    }  # fmt: skip
    return {
        "actions": [
            _bin("rasa"), "run", "actions", "--actions", "bot.actions",
            "--port", str(settings.action_port),
        ],
        **rasa,
        "web": [
            sys.executable, "-m", "uvicorn", "lotse.web.main:app",
            "--host", settings.host, "--port", str(settings.port),
            "--ws", "none",  # no websockets in the app; Rasa pins a websockets uvicorn can't use
        ],
    }  # fmt: skip


def serve(settings: Settings, part: str, interface: str = LOOPBACK) -> NoReturn:
    """Replace this process with one part ("web", "rasa", "actions"): one part per container.

    Rasa listens on `interface` at `rasa_port` (replicas are separate containers), the action
    server on `interface` at `action_port`, the web app on `host`:`port`.
    """
    single = settings.copy(update={"rasa_replicas": 1})
    command = commands(single, interface=interface)[part]
    env = child_environment(single)
    env["SANIC_HOST"] = interface  # the action server's listen address
    os.chdir(PROJECT_ROOT)
    os.execve(command[0], command, env)


@dataclass
class Processes:
    """The three running processes; stop them with `stop()` (also on Ctrl-C)."""

    settings: Settings
    log_dir: Path | None = None
    credentials: Path = CREDENTIALS
    children: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self) -> None:
        """Start all three processes."""
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        for name in commands(self.settings, self.credentials):
            self.start_one(name)

    def start_one(self, name: str) -> None:
        """Start (or restart after it died) one process: "web", "actions", "rasa" or "rasa-N"."""
        command = commands(self.settings, self.credentials)[name]
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{name}.log").open("ab")
        self.children[name] = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=child_environment(self.settings),
            stdout=output, stderr=output, start_new_session=True,
        )  # fmt: skip

    def kill(self, name: str) -> None:
        """Kill one process and its children at once (SIGKILL, as a crash would)."""
        child = self.children[name]
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()

    def wait_until_healthy(self, timeout: float = 240.0) -> None:
        """Block until /healthz answers 200; raise if a process dies or time runs out."""
        deadline = time.monotonic() + timeout
        url = f"http://{self.settings.host}:{self.settings.port}/healthz"
        while time.monotonic() < deadline:
            self.check_alive()
            if all(map(_answers, [url, *self._replica_health_urls()])):
                return
            time.sleep(1)
        raise TimeoutError(f"Lotse was not healthy within {timeout:.0f} s")

    def _replica_health_urls(self) -> list[str]:
        """The channel health route of every Rasa server this object started."""
        first = self.settings.rasa_port
        return [
            f"http://{LOOPBACK}:{first + i}/webhooks/lotse/"
            for i, name in enumerate(rasa_names(self.settings))
            if name in self.children
        ]

    def check_alive(self) -> None:
        """Raise if one of the processes has exited."""
        for name, child in self.children.items():
            if child.poll() is not None:
                raise RuntimeError(f"the {name} process exited with code {child.returncode}")

    def stop(self, grace: float = 10.0) -> None:
        """Terminate all processes (SIGTERM, then SIGKILL after `grace` seconds)."""
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.children.clear()
