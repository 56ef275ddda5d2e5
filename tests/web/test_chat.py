"""The public chat API and the health check, with a fake Rasa behind the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import RasaReply
from tests.web.conftest import FakeRasa


def test_chat_returns_language_and_messages(client: TestClient, rasa: FakeRasa) -> None:
    rasa.reply = RasaReply(
        language="ru",
        messages=[
            {"recipient_id": "web-a", "text": "Здравствуйте!"},
            {"recipient_id": "web-a", "image": "https://example.org/x.png"},
            {
                "recipient_id": "web-a",
                "text": "На каком языке?",
                "buttons": [{"title": "Deutsch", "payload": '/change_language{"language":"de"}'}],
            },
        ],
    )
    response = client.post("/api/chat", json={"session_id": "a", "text": "Привет"})
    assert response.status_code == 200
    assert response.json() == {
        "language": "ru",
        "messages": [
            {"text": "Здравствуйте!", "buttons": []},
            {
                "text": "На каком языке?",
                "buttons": [{"title": "Deutsch", "payload": '/change_language{"language":"de"}'}],
            },
        ],
    }
    assert rasa.sent == [("web-a", "Привет", {"channel": "web"})]


def test_language_picked_in_the_client_is_passed_as_a_hint(
    client: TestClient, rasa: FakeRasa
) -> None:
    client.post("/api/chat", json={"session_id": "a", "text": "ok", "language": "pl"})
    assert rasa.sent[0][2] == {"channel": "web", "language_hint": "pl"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": "hi"}, "session_id"),
        ({"session_id": "a"}, "text"),
        ({"session_id": "a", "text": ""}, "text"),
        ({"session_id": "a", "text": "   "}, "must not be empty"),
        ({"session_id": "a", "text": "x" * 2001}, "at most 2000"),
        ({"session_id": "a b", "text": "hi"}, "session_id"),
        ({"session_id": "a", "text": ["hi"]}, "text"),
        ({"session_id": "a", "text": "hi", "language": "fr"}, "language"),
        ({"session_id": "a", "text": "hi", "extra": 1}, "extra"),
    ],
)
def test_invalid_requests_get_a_4xx_with_a_clear_message(
    client: TestClient, rasa: FakeRasa, body: dict, fragment: str
) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert any(fragment in problem for problem in response.json()["detail"])
    assert rasa.sent == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"text"'])
def test_malformed_json_gets_a_4xx(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("text", "language"), [("Привет", "ru"), ("Hello there", "en"), ("مرحبا", "ar")]
)
def test_rasa_down_gives_try_again_in_the_persons_language(
    client: TestClient, rasa: FakeRasa, text: str, language: str
) -> None:
    rasa.down = True
    response = client.post("/api/chat", json={"session_id": "a", "text": text})
    assert response.status_code == 503
    assert response.json() == {
        "language": language,
        "messages": [{"text": TRY_AGAIN[language], "buttons": []}],
    }


def test_missing_language_from_rasa_falls_back_to_detection(
    client: TestClient, rasa: FakeRasa
) -> None:
    rasa.reply = RasaReply(language=None, messages=[{"text": "…"}])
    assert (
        client.post("/api/chat", json={"session_id": "a", "text": "Cześć"}).json()["language"]
        == "pl"
    )


@pytest.mark.parametrize(
    ("parts", "status"),
    [({"rasa": True, "actions": True}, 200), ({"rasa": True, "actions": False}, 503)],
)
def test_healthz_reports_each_part(
    client: TestClient, rasa: FakeRasa, parts: dict, status: int
) -> None:
    rasa.parts = parts
    response = client.get("/healthz")
    assert response.status_code == status
    assert response.json() == {"status": "ok" if status == 200 else "unavailable", **parts}


def test_index_serves_the_chat_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "/api/chat" in response.text


def test_openapi_documents_the_chat_contract(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/chat" in schema["paths"]
    assert set(schema["components"]["schemas"]["ChatResponse"]["properties"]) == {
        "language",
        "messages",
    }
