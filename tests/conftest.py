"""Shared fixtures: paths of the Rasa project, the recording stand-in for Telegram's Bot API.

Before anything builds the app: tests never touch the developer's var/ (databases) and the
web app's hourly retention task is off unless a test turns it on.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("LOTSE_VAR_DIR", tempfile.mkdtemp(prefix="lotse-tests-"))
os.environ.setdefault("LOTSE_RETENTION_INTERVAL_MINUTES", "0")

import pytest

from lotse import PROJECT_ROOT
from tests.telegram.bot_api import RecordingBotApi, running_bot_api


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def bot_api_server() -> Iterator[RecordingBotApi]:
    """A real HTTP server on 127.0.0.1 standing in for Telegram's Bot API (one per test run)."""
    with running_bot_api() as api:
        yield api


@pytest.fixture
def bot_api(bot_api_server: RecordingBotApi) -> RecordingBotApi:
    """The Bot API stand-in with its recorded calls cleared."""
    bot_api_server.reset()
    return bot_api_server
