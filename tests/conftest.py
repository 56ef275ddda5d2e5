"""Shared fixtures: paths of the Rasa project, the recording stand-in for Telegram's Bot API."""

from collections.abc import Iterator
from pathlib import Path

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
