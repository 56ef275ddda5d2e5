"""Fixtures: the recording Bot API server, a fake Rasa, the web app with Telegram configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lotse.config import Settings
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply, RasaUnavailable
from tests.telegram.bot_api import RecordingBotApi

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
SECRET = "lotse-test-secret_0123456789"

GREETING_DE = (
    "Hallo! Ich bin Lotse. Ich helfe Ihnen herauszufinden, wie Ihr ausländischer "
    "Berufsabschluss in Deutschland anerkannt wird (Anerkennung), welche Stelle dafür "
    "zuständig ist (zuständige Stelle) und wo Sie kostenlose Beratung bekommen.\n"
    "Datenschutz: Ich speichere unser Gespräch nur, um Ihnen zu antworten, und gebe nichts "
    "ohne Ihre Zustimmung weiter."
)
CANDIDATES_DE = (
    "Ich bin nicht sicher, welcher deutsche Beruf am besten passt. Ist es einer von diesen?"
)
CANDIDATE_BUTTONS = [
    {"title": "Ärztin / Arzt", "payload": '/inform{"occupation_id":"arzt"}'},
    {"title": "Zahnärztin / Zahnarzt", "payload": '/inform{"occupation_id":"zahnarzt"}'},
    {"title": "Tierärztin / Tierarzt", "payload": '/inform{"occupation_id":"tierarzt"}'},
    {"title": "Keiner davon", "payload": "/none_of_these"},
]
ASK_COUNTRY_DE = "In welchem Land haben Sie Ihren Abschluss gemacht?"


class FakeRasa:
    """Stands in for RasaClient: records what it was sent, answers like Lotse's Rasa."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict]] = []
        self.down = False
        self.replies: dict[str, RasaReply] = {
            "/start": RasaReply("de", [{"recipient_id": "tg-1", "text": GREETING_DE}]),
            "Ich bin Ärztin": RasaReply(
                "de",
                [{"recipient_id": "tg-1", "text": CANDIDATES_DE, "buttons": CANDIDATE_BUTTONS}],
            ),
        }
        self.default = RasaReply("de", [{"recipient_id": "tg-1", "text": ASK_COUNTRY_DE}])

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.sent.append((sender, text, metadata))
        if self.down:
            raise RasaUnavailable("ConnectError")
        return self.replies.get(text, self.default)

    async def health(self) -> dict[str, bool]:
        return {"rasa": True, "actions": True}


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


def telegram_settings(bot_api: RecordingBotApi, **overrides: object) -> Settings:
    """Settings with the test token and secret, the Bot API pointed at the recording server."""
    values = {
        "telegram_token": TOKEN,
        "telegram_secret_token": SECRET,
        "telegram_base_url": bot_api.base_url,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def client(bot_api: RecordingBotApi, rasa: FakeRasa, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(
        telegram_settings(
            bot_api,
            var_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path}/lotse.db",
            retention_interval_minutes=0,
        )
    )
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client
