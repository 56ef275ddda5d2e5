"""The real web app on 127.0.0.1 (uvicorn in a thread) with a scripted Rasa, and Debian's Chromium.

Playwright drives the system's /usr/bin/chromium; it never downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lotse import PROJECT_ROOT
from lotse.config import get_settings
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from tests.serving import chromium, free_port, served
from tests.widget.scripted_rasa import ScriptedRasa

SCREENSHOTS = PROJECT_ROOT / "var" / "test-results" / "screenshots"


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
    with served(app, free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (skipped where either is missing)."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests save their screenshots (test artifacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
