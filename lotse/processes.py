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

import httpx

from lotse import PROJECT_ROOT
from lotse.config import Settings

BOT_DIR = PROJECT_ROOT / "bot"
CONFIG = PROJECT_ROOT / "config.yml"
MODEL_NAME = "lotse"
TRAINING_INPUTS = (CONFIG, BOT_DIR / "domain", BOT_DIR / "data")


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
    env.setdefault("LOTSE_TRACKER_DIALECT", "sqlite")
    env.setdefault("LOTSE_TRACKER_DB", str(settings.tracker_db))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def commands(settings: Settings) -> dict[str, list[str]]:
    """The command line of each process."""
    return {
        "actions": [
            _bin("rasa"), "run", "actions", "--actions", "bot.actions",
            "--port", str(settings.action_port),
        ],
        "rasa": [
            _bin("rasa"), "run",
            "--model", str(model_path(settings)),
            "--credentials", str(BOT_DIR / "credentials.yml"),
            "--endpoints", str(BOT_DIR / "endpoints.yml"),
            "--port", str(settings.rasa_port),
            "--interface", "127.0.0.1",
        ],
        "web": [
            sys.executable, "-m", "uvicorn", "lotse.web.main:app",
            "--host", settings.host, "--port", str(settings.port),
            "--ws", "none",  # no websockets in the app; Rasa pins a websockets uvicorn can't use
        ],
    }  # fmt: skip


@dataclass
class Processes:
    """The three running processes; stop them with `stop()` (also on Ctrl-C)."""

    settings: Settings
    log_dir: Path | None = None
    children: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self) -> None:
        """Start all three processes."""
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        env = child_environment(self.settings)
        for name, command in commands(self.settings).items():
            output = None
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                output = (self.log_dir / f"{name}.log").open("ab")
            self.children[name] = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output,
                start_new_session=True,
            )  # fmt: skip

    def wait_until_healthy(self, timeout: float = 240.0) -> None:
        """Block until /healthz answers 200; raise if a process dies or time runs out."""
        deadline = time.monotonic() + timeout
        url = f"http://{self.settings.host}:{self.settings.port}/healthz"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError(f"Lotse was not healthy within {timeout:.0f} s")

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
