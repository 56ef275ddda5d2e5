"""End to end: the real Rasa server, action server and web app, talked to through /api/chat.

Needs a trained model (`make train`); run with `pytest -m e2e`.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest
import yaml

from lotse import PROJECT_ROOT
from lotse.config import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def response_languages() -> dict[str, str]:
    """Every response text the domain can produce, mapped to its language."""
    texts: dict[str, str] = {}
    for path in (PROJECT_ROOT / "bot" / "domain").rglob("*.yml"):
        for variations in (yaml.safe_load(path.read_text()).get("responses") or {}).values():
            for variation in variations:
                for condition in variation.get("condition", []):
                    texts[variation["text"]] = condition["value"]
    return texts


def say(url: str, session: str, text: str) -> dict:
    response = httpx.post(f"{url}/api/chat", json={"session_id": session, "text": text}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("greeting", "language"),
    [("Привет", "ru"), ("Hallo", "de"), ("Hello", "en"), ("مرحبا", "ar"), ("Cześć", "pl")],
)
def test_greeting_is_answered_in_the_same_language_and_ok_keeps_it(
    lotse: str, response_languages: dict[str, str], greeting: str, language: str
) -> None:
    session = f"e2e-greet-{language}"
    reply = say(lotse, session, greeting)
    assert reply["language"] == language
    assert reply["messages"], "the greeting got no answer"
    assert [response_languages.get(m["text"]) for m in reply["messages"]] == [language] * len(
        reply["messages"]
    )
    later = say(lotse, session, "ok")
    assert later["language"] == language
    assert later["messages"]
    assert {response_languages.get(m["text"]) for m in later["messages"]} == {language}


def test_switching_language_by_request_and_by_button(lotse: str, response_languages: dict) -> None:
    session = "e2e-switch"
    assert say(lotse, session, "Hallo")["language"] == "de"
    switched = say(lotse, session, "English please")
    assert switched["language"] == "en"
    assert response_languages.get(switched["messages"][0]["text"]) == "en"
    button = say(lotse, session, '/change_language{"language":"ar"}')
    assert button["language"] == "ar"
    assert response_languages.get(button["messages"][0]["text"]) == "ar"


def test_health_reports_every_part(lotse: str) -> None:
    assert httpx.get(f"{lotse}/healthz").json() == {"status": "ok", "rasa": True, "actions": True}


def test_conversation_is_stored_in_the_sqlite_tracker_store(lotse: str, settings: Settings) -> None:
    say(lotse, "e2e-store", "Hello")
    with sqlite3.connect(settings.tracker_db) as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert "web-e2e-store" in senders
