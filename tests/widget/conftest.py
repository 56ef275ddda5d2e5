"""The real web app on 127.0.0.1 (uvicorn in a thread) with a scripted Rasa, and Debian's Chromium.

Playwright drives the system's /usr/bin/chromium; it never downloads a browser.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from lotse import PROJECT_ROOT
from lotse.config import get_settings
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from tests.widget.scripted_rasa import ScriptedRasa

CHROMIUM = Path(os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "var" / "test-results" / "screenshots"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def rasa() -> ScriptedRasa:
    """The scripted Rasa behind the app (shared; each test uses its own browser session)."""
    return ScriptedRasa()


@pytest.fixture(scope="session")
def lotse_url(rasa: ScriptedRasa) -> Iterator[str]:
    """Serve the real FastAPI app with uvicorn in a background thread; yield its URL."""
    # Every test's browser posts from 127.0.0.1 in quick succession: no rate limits.
    no_limits = {"rate_limit_ip_per_minute": 0, "rate_limit_session_per_minute": 0}
    app = create_app(get_settings().copy(update=no_limits))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    port = _free_port()
    # ws="none": no websockets here; uvicorn's auto pick fails with Rasa's websockets 10.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (skipped where either is missing)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests save their screenshots (test artifacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
