"""One scaled-out Lotse for all `scale` tests: PostgreSQL, Redis, two Rasa servers, the action
server and the web app, each on its own port (see the constants), started once per test run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from lotse import PROJECT_ROOT
from lotse.config import Settings
from lotse.processes import Processes, model_path
from tests.scale.services import Postgres, Redis, postgres_bin_dir, redis_server

WEB_PORT, RASA_PORT, ACTION_PORT = 8105, 5105, 5155
POSTGRES_PORT, REDIS_PORT = 55432, 56379
REPLICAS = ("rasa-1", "rasa-2")
ARTIFACTS = PROJECT_ROOT / "var" / "test-results" / "scale"
STARTUP_TIMEOUT = 300.0


@dataclass
class Stack:
    """The running stack and handles to kill and restart each part."""

    settings: Settings
    processes: Processes
    postgres: Postgres
    redis: Redis

    @property
    def url(self) -> str:
        """The web app."""
        return f"http://127.0.0.1:{self.settings.port}"

    def replica_url(self, name: str) -> str:
        """The Rasa server called `name` ("rasa-1", "rasa-2")."""
        return self.settings.rasa_replica_urls[REPLICAS.index(name)]

    def handled(self, name: str) -> int:
        """How many messages the Rasa server `name` has answered since it started."""
        return httpx.get(f"{self.replica_url(name)}/webhooks/lotse/", timeout=5).json()["messages"]

    def health_url(self, name: str) -> str:
        """What answers 200 once the process `name` is ready."""
        if name == "web":
            return f"{self.url}/healthz"
        if name == "actions":
            return f"{self.settings.action_url}/health"
        return f"{self.replica_url(name)}/webhooks/lotse/"

    def restart(self, name: str) -> float:
        """Start a killed process again and wait until it answers. Returns the seconds."""
        started = time.monotonic()
        self.processes.start_one(name)
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if self.processes.children[name].poll() is not None:  # others may be down on purpose
                raise RuntimeError(f"{name} exited again while starting")
            try:
                if httpx.get(self.health_url(name), timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} did not start again within {STARTUP_TIMEOUT:.0f} s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start PostgreSQL, Redis and Lotse with two Rasa replicas; stop everything at the end."""
    if postgres_bin_dir() is None or redis_server() is None:
        pytest.fail("PostgreSQL or Redis is missing: apt-get install postgresql redis-server")
    var_dir = tmp_path_factory.mktemp("scale-var")
    settings = Settings(
        port=WEB_PORT, rasa_port=RASA_PORT, action_port=ACTION_PORT,
        rasa_url=f"http://127.0.0.1:{RASA_PORT}", action_url=f"http://127.0.0.1:{ACTION_PORT}",
        rasa_replicas=len(REPLICAS), var_dir=var_dir, channel_token="scale-token",
        database_url=f"postgresql://lotse:test@127.0.0.1:{POSTGRES_PORT}/lotse",
        tracker_store_url=f"postgresql://lotse:test@127.0.0.1:{POSTGRES_PORT}/lotse",
        redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
        # Scripted people write from one IP as fast as Lotse answers: no rate limits.
        rate_limit_ip_per_minute=0, rate_limit_session_per_minute=0,
    )  # fmt: skip
    if not model_path(settings).exists():
        pytest.fail("no trained model: run `make train` first")
    postgres, redis = Postgres(POSTGRES_PORT), Redis(REDIS_PORT)
    processes = Processes(settings, log_dir=ARTIFACTS)
    try:
        postgres.init()
        redis.start()
        processes.start()
        processes.wait_until_healthy(timeout=STARTUP_TIMEOUT)
        yield Stack(settings, processes, postgres, redis)
    finally:
        processes.stop()
        redis.remove()
        postgres.remove()
