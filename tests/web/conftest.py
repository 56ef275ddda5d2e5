"""The web app with a fake Rasa behind it (the real one runs in tests/e2e)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply, RasaUnavailable


class FakeRasa:
    """Stands in for RasaClient: records what it was sent, answers what the test says."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict]] = []
        self.reply = RasaReply(
            language="ru", messages=[{"recipient_id": "x", "text": "Здравствуйте!"}]
        )
        self.down = False
        self.parts = {"rasa": True, "actions": True}

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.sent.append((sender, text, metadata))
        if self.down:
            raise RasaUnavailable("ConnectError")
        return self.reply

    async def health(self) -> dict[str, bool]:
        return self.parts


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(rasa: FakeRasa) -> Iterator[TestClient]:
    app = create_app()
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client
