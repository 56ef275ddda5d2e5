"""The real web app on 127.0.0.1:8118 (uvicorn in a thread, lifespan off) with the workspace's
fake Rasa, its own SQLite database, and Debian's Chromium through Playwright."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from lotse.config import Settings
from lotse.store.db import get_engine
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from tests.serving import chromium as chromium_browser
from tests.serving import served
from tests.workspace.conftest import FakeRasa

PORT = 8118


@pytest.fixture(scope="session")
def browser_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("workspace-browser")
    return Settings(
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir}/lotse.db",
        rate_limit_ip_per_minute=0,
        rate_limit_session_per_minute=0,
        public_url=f"http://127.0.0.1:{PORT}",
    )


@pytest.fixture(scope="session")
def browser_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="session")
def workspace_url(browser_settings: Settings, browser_rasa: FakeRasa) -> Iterator[str]:
    """Serve the app on 127.0.0.1:8118 (no lifespan: the fake Rasa, no Telegram, no tasks)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.fail(f"port {PORT} is in use")
    app = create_app(browser_settings)
    app.state.rasa_client = browser_rasa
    app.state.telegram = None
    app.dependency_overrides[get_rasa_client] = lambda: browser_rasa
    with served(app, PORT, lifespan="off") as url:
        yield url


@pytest.fixture
def browser_db(browser_settings: Settings) -> Iterator[Callable[[], Session]]:
    factory = sessionmaker(bind=get_engine(browser_settings.database_url), future=True)
    opened: list[Session] = []

    def open_session() -> Session:
        opened.append(factory())
        return opened[-1]

    yield open_session
    for session in opened:
        session.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (skipped where either is missing).

    Module scope: Playwright's sync API keeps an event loop running until it stops, which would
    break the asyncio tests that run after this module in the same process.
    """
    with chromium_browser() as browser:
        yield browser
