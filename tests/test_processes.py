"""What `lotse run` and `lotse serve` start, and the environment bot/endpoints.yml reads."""

from __future__ import annotations

import os

import pytest
from rasa.core.utils import AvailableEndpoints

from lotse import PROJECT_ROOT
from lotse.config import Settings
from lotse.processes import child_environment, commands, endpoint_environment

ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints.yml"


def read_endpoints(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AvailableEndpoints:
    for name, value in child_environment(settings).items():
        monkeypatch.setenv(name, value)
    return AvailableEndpoints.read_endpoints(str(ENDPOINTS))


def test_default_is_sqlite_and_in_memory_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    endpoints = read_endpoints(settings, monkeypatch)
    assert endpoints.tracker_store.url == f"sqlite:///{settings.var_dir}/tracker.db"
    assert endpoints.lock_store.type == "in_memory"
    assert endpoints.action.url == f"{settings.action_url}/webhook"


def test_postgres_tracker_store_and_redis_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOTSE_ACTION_ENDPOINT", raising=False)
    settings = Settings(
        tracker_store_url="postgresql://lotse:pw@db.example:5432/lotse",
        redis_url="redis://:s%40cret@redis.example:6380/2",
        lock_lifetime=15,
        connect_timeout=4,
    )
    endpoints = read_endpoints(settings, monkeypatch)
    assert endpoints.tracker_store.url == "postgresql://lotse:pw@db.example:5432/lotse"
    lock = endpoints.lock_store
    assert (lock.type, lock.url) == ("redis", "redis.example")
    assert lock.kwargs == {"port": "6380", "db": "2", "password": "s@cret", "key_prefix": "lotse"}
    env = endpoint_environment(settings)
    assert (env["TICKET_LOCK_LIFETIME"], env["PGCONNECT_TIMEOUT"]) == ("15", "4")
    assert os.environ.get("RASA_TELEMETRY_ENABLED") == "false"


def test_replicas_run_on_consecutive_ports() -> None:
    settings = Settings(rasa_port=5105, rasa_url="http://127.0.0.1:5105", rasa_replicas=2)
    found = commands(settings)
    assert set(found) == {"actions", "rasa-1", "rasa-2", "web"}
    ports = [found[name][found[name].index("--port") + 1] for name in ("rasa-1", "rasa-2")]
    assert ports == ["5105", "5106"]
    assert settings.rasa_replica_urls == ["http://127.0.0.1:5105", "http://127.0.0.1:5106"]
    assert set(commands(Settings())) == {"actions", "rasa", "web"}
