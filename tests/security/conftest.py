"""Fixtures: the web app with Telegram configured, an echoing fake Rasa, the recording Bot API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lotse.config import Settings
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply, RasaUnavailable
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import telegram_settings

#: Rate limits off: the corpus is sent from one client as fast as possible.
NO_LIMITS = {"rate_limit_ip_per_minute": 0, "rate_limit_session_per_minute": 0}


class EchoRasa:
    """Stands in for RasaClient: records what it was sent and echoes it back (text and button)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict]] = []
        self.down = False

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.sent.append((sender, text, metadata))
        if self.down:
            raise RasaUnavailable("ConnectError")
        return RasaReply(
            "de",
            [
                {"text": f"Sie schrieben: {text}"},
                {"text": "Weiter?", "buttons": [{"title": text[:40], "payload": text}]},
            ],
        )

    async def health(self) -> dict[str, bool]:
        return {"rasa": True, "actions": True}


def app_settings(bot_api: RecordingBotApi, **overrides: object) -> Settings:
    """Settings with Telegram pointed at the recording Bot API; rate limits off by default."""
    return telegram_settings(bot_api, **{**NO_LIMITS, **overrides})


@pytest.fixture
def rasa() -> EchoRasa:
    return EchoRasa()


@pytest.fixture
def client(bot_api: RecordingBotApi, rasa: EchoRasa) -> Iterator[TestClient]:
    app = create_app(app_settings(bot_api))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client
