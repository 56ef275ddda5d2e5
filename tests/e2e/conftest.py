"""A real Lotse (Rasa server, action server, web app) for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lotse import PROJECT_ROOT
from lotse.config import Settings
from lotse.processes import Processes, model_path

ARTIFACTS = PROJECT_ROOT / "var" / "test-results" / "e2e"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Own ports and fresh databases, so a running `lotse run` does not interfere."""
    var_dir = tmp_path_factory.mktemp("var")
    return Settings(
        port=8018, rasa_port=5018, action_port=5068,
        rasa_url="http://127.0.0.1:5018", action_url="http://127.0.0.1:5068",
        var_dir=var_dir, channel_token="e2e-token",
        database_url=f"sqlite:///{var_dir}/lotse.db",
        # Scripted conversations come from one IP, turn after turn: no rate limits.
        rate_limit_ip_per_minute=0, rate_limit_session_per_minute=0,
    )  # fmt: skip


@pytest.fixture(scope="session")
def lotse(settings: Settings) -> Iterator[str]:
    """Start the three processes once for all end-to-end tests; yield the web app's URL."""
    if not model_path(settings).exists():
        pytest.fail("no trained model: run `make train` first")
    processes = Processes(settings, log_dir=ARTIFACTS)
    processes.start()
    try:
        processes.wait_until_healthy(timeout=300)
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        processes.stop()
