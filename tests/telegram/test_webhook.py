"""Real Telegram updates posted to POST /telegram/webhook; the bot's calls go to a real server.

The Bot API is the recording server of tests/telegram/bot_api.py (through `telegram_base_url`);
the only fake is Rasa (the `get_rasa_client` dependency).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lotse.telegram import constants
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import RasaReply
from lotse.workspace.person_texts import RECEIVED
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import (
    ASK_COUNTRY_DE,
    CANDIDATE_BUTTONS,
    CANDIDATES_DE,
    SECRET,
    TOKEN,
    FakeRasa,
    telegram_settings,
)

USER_ID = 424242
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
LANGUAGE_KEYBOARD = [
    [{"text": "Deutsch", "callback_data": '/change_language{"language":"de"}'}],
    [{"text": "English", "callback_data": '/change_language{"language":"en"}'}],
    [{"text": "العربية", "callback_data": '/change_language{"language":"ar"}'}],
    [{"text": "Русский", "callback_data": '/change_language{"language":"ru"}'}],
    [{"text": "Polski", "callback_data": '/change_language{"language":"pl"}'}],
]
USER = {
    "id": USER_ID,
    "is_bot": False,
    "first_name": "Amira",
    "last_name": "Haddad",
    "username": "amira_h",
    "language_code": "de",
}
PRIVATE_CHAT = {
    "id": USER_ID,
    "type": "private",
    "first_name": "Amira",
    "last_name": "Haddad",
    "username": "amira_h",
}


def message_update(
    text: str, update_id: int = 1001, language_code: str | None = "de", chat: dict | None = None
) -> dict[str, Any]:
    """A Telegram update of a text message, as Telegram posts it."""
    user = dict(USER, language_code=language_code) if language_code else dict(USER)
    if language_code is None:
        user.pop("language_code")
    message: dict[str, Any] = {
        "message_id": update_id - 1000,
        "from": user,
        "chat": chat or PRIVATE_CHAT,
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def callback_update(data: str, update_id: int = 1003) -> dict[str, Any]:
    """A Telegram update of a pressed inline button under one of Lotse's messages."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": USER,
            "chat_instance": "-7781723958392039210",
            "data": data,
            "message": {
                "message_id": 2,
                "from": {"id": 7000000001, "is_bot": True, "first_name": "Lotse"},
                "chat": PRIVATE_CHAT,
                "date": int(time.time()),
                "text": CANDIDATES_DE,
                "reply_markup": {
                    "inline_keyboard": [
                        [{"text": b["title"], "callback_data": b["payload"]}]
                        for b in CANDIDATE_BUTTONS
                    ]
                },
            },
        },
    }


def post(client: TestClient, update: dict, headers: dict | None = None) -> int:
    return client.post(
        constants.WEBHOOK_PATH, json=update, headers=HEADERS if headers is None else headers
    ).status_code


def test_start_sends_the_greeting_with_language_buttons(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    assert [call.method for call in bot_api.calls] == ["getMe"]  # at start of the web app
    assert post(client, message_update("/start")) == 200
    assert rasa.sent == [
        (
            f"tg-{USER_ID}",
            "/start",
            {"channel": "telegram", "message_id": "1001", "language_hint": "de"},
        )
    ]
    assert [call.method for call in bot_api.calls[1:]] == ["sendChatAction", "sendMessage"]
    assert bot_api.of("sendChatAction") == [{"chat_id": str(USER_ID), "action": "typing"}]
    [sent] = bot_api.of("sendMessage")
    assert sent["chat_id"] == str(USER_ID)
    assert "Datenschutz" in sent["text"]
    assert sent["reply_markup"] == {"inline_keyboard": LANGUAGE_KEYBOARD}
    assert {call.token for call in bot_api.calls} == {TOKEN}


def test_text_goes_to_rasa_with_the_language_hint_and_buttons_come_back(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    assert post(client, message_update("/start")) == 200
    assert post(client, message_update("Ich bin Ärztin", update_id=1002)) == 200
    assert rasa.sent[1] == (
        f"tg-{USER_ID}",
        "Ich bin Ärztin",
        {"channel": "telegram", "language_hint": "de", "message_id": "1002"},
    )
    assert len(bot_api.of("sendChatAction")) == 2
    first, second = bot_api.of("sendMessage")
    assert first["reply_markup"] == {"inline_keyboard": LANGUAGE_KEYBOARD}
    assert second["text"] == CANDIDATES_DE
    assert second["reply_markup"] == {
        "inline_keyboard": [
            [{"text": b["title"], "callback_data": b["payload"]}] for b in CANDIDATE_BUTTONS
        ]
    }


def test_without_language_code_no_hint_is_sent(client: TestClient, rasa: FakeRasa) -> None:
    assert post(client, message_update("Hallo", language_code=None)) == 200
    assert rasa.sent[0][2] == {"channel": "telegram", "message_id": "1001"}


def test_a_pressed_button_is_answered_and_its_payload_sent_to_rasa(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    assert post(client, callback_update('/inform{"occupation_id":"arzt"}')) == 200
    assert rasa.sent == [
        (
            f"tg-{USER_ID}",
            '/inform{"occupation_id":"arzt"}',
            {"channel": "telegram", "language_hint": "de", "message_id": "1003"},
        )
    ]
    assert [call.method for call in bot_api.calls[1:]] == [
        "answerCallbackQuery",
        "sendChatAction",
        "sendMessage",
    ]
    assert bot_api.of("answerCallbackQuery") == [{"callback_query_id": "4382bfdwdsb323b2d9"}]
    assert bot_api.of("sendMessage")[0]["text"] == ASK_COUNTRY_DE


def test_a_long_payload_travels_through_a_short_callback_data(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    long_payload = '/inform{"occupation_id":"gesundheits_und_krankenpfleger_pflegefachmann"}'
    rasa.default = RasaReply(
        "de", [{"text": CANDIDATES_DE, "buttons": [{"title": "Pflege", "payload": long_payload}]}]
    )
    assert post(client, message_update("Ich bin Krankenschwester")) == 200
    [button] = bot_api.of("sendMessage")[0]["reply_markup"]["inline_keyboard"][0]
    assert button["callback_data"].startswith("p:")
    assert len(button["callback_data"].encode()) <= 64
    assert post(client, callback_update(button["callback_data"], update_id=1004)) == 200
    assert rasa.sent[-1][1] == long_payload


def test_a_forgotten_long_payload_is_sent_as_the_button_title(
    client: TestClient, rasa: FakeRasa
) -> None:
    update = callback_update("p:0123456789abcdef")
    keyboard = update["callback_query"]["message"]["reply_markup"]["inline_keyboard"]
    keyboard[0][0]["callback_data"] = "p:0123456789abcdef"
    assert post(client, update) == 200
    assert rasa.sent[-1][1] == "Ärztin / Arzt"


def test_while_a_counsellor_writes_the_person_learns_their_message_arrived(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    rasa.replies["Когда перезвоните?"] = RasaReply("ru", [], paused=True)
    assert post(client, message_update("Когда перезвоните?", language_code="ru")) == 200
    assert [m["text"] for m in bot_api.of("sendMessage")] == [RECEIVED["ru"]]


def test_a_deletion_request_ends_the_take_over_in_the_workspace(
    client: TestClient, rasa: FakeRasa
) -> None:
    from sqlalchemy import select

    from lotse.store.db import session_scope, utcnow
    from lotse.store.handoffs import CaseSheet, Handoff, create_handoff
    from lotse.store.workspace import User

    url = client.app.state.settings.database_url
    ref = create_handoff(
        CaseSheet(
            sender_id=f"tg-{USER_ID}", channel="telegram", kind="recognition", language="de",
            occupation_text=None, country=None, occupation_id=None, occupation_score=None,
            regulated=None, land="BE", authority=None, centre_id="be_iq",
            contact_channel="telegram",
            contact_value=None, consent_at=utcnow(),
        ),
        [],
        url=url,
    )  # fmt: skip
    with session_scope(url) as db:
        user = User(email="b@example.org", name="B", password_hash="x", created_at=utcnow())
        db.add(user)
        db.flush()
        db.scalars(select(Handoff).where(Handoff.ref == ref)).one().taken_over_by = user.id
    rasa.replies["/delete"] = RasaReply("de", [{"text": "Wirklich löschen?"}], resumed=True)
    assert post(client, message_update("/delete")) == 200
    with session_scope(url) as db:
        assert db.scalars(select(Handoff.taken_over_by).where(Handoff.ref == ref)).one() is None


def test_a_replayed_update_is_answered_only_once(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    update = message_update("Ich bin Ärztin", update_id=2001)
    assert post(client, update) == 200
    assert post(client, update) == 200
    assert post(client, message_update("Ich bin Ärztin", update_id=2002)) == 200
    assert [sent[2]["message_id"] for sent in rasa.sent] == ["2001", "2002"]
    assert len(bot_api.of("sendMessage")) == 2


@pytest.mark.parametrize(
    ("typed", "relayed"),
    [("/help", "/help"), ("/language", "/language"), ("/delete", "/delete"), ("/foo", "/help")],
)
def test_commands_are_relayed_as_typed(
    client: TestClient, rasa: FakeRasa, typed: str, relayed: str
) -> None:
    assert post(client, message_update(typed)) == 200
    assert rasa.sent[0][1] == relayed


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
def test_a_wrong_or_missing_secret_gets_403_and_no_bot_api_call(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa, headers: dict
) -> None:
    bot_api.reset()
    assert post(client, message_update("/start"), headers=headers) == 403
    assert bot_api.calls == []
    assert rasa.sent == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[]", b'{"message": {}}', b"{}"])
def test_invalid_json_or_no_update_gets_400(
    client: TestClient, bot_api: RecordingBotApi, body: bytes
) -> None:
    bot_api.reset()
    response = client.post(
        constants.WEBHOOK_PATH,
        content=body,
        headers={**HEADERS, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert bot_api.calls == []


def test_a_reply_longer_than_telegrams_limit_is_sent_in_two_messages(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    paragraph = "Die zuständige Stelle prüft Ihre Unterlagen. " * 55  # ~2500 characters
    text = f"{paragraph.strip()}\n\n{paragraph.strip()}"
    assert 4096 < len(text) <= 5100
    rasa.default = RasaReply("de", [{"text": text, "buttons": CANDIDATE_BUTTONS[:1]}])
    assert post(client, message_update("Was kostet das?")) == 200
    first, second = bot_api.of("sendMessage")
    assert first["text"] + "\n\n" + second["text"] == text
    assert "reply_markup" not in first and second["reply_markup"]


@pytest.mark.parametrize(
    ("text", "language_code", "language"),
    [("Ich bin Ärztin", "de", "de"), ("Привет", "en", "ru"), ("ok", "pl", "pl")],
)
def test_rasa_down_gives_try_again_in_the_persons_language(
    client: TestClient,
    bot_api: RecordingBotApi,
    rasa: FakeRasa,
    text: str,
    language_code: str,
    language: str,
) -> None:
    rasa.down = True
    assert post(client, message_update(text, language_code=language_code)) == 200
    assert [m["text"] for m in bot_api.of("sendMessage")] == [TRY_AGAIN[language]]


def test_group_chats_are_ignored(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    group = {"id": -1001234567890, "type": "supergroup", "title": "Pflegekräfte Berlin"}
    assert post(client, message_update("Ich bin Ärztin", chat=group)) == 200
    assert rasa.sent == [] and [c.method for c in bot_api.calls] == ["getMe"]


def test_transient_bot_api_errors_are_retried(
    client: TestClient, bot_api: RecordingBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "BACKOFF_SECONDS", 0.01)
    bot_api.fail("sendMessage", 502, 429)
    assert post(client, message_update("/start")) == 200
    attempts = bot_api.of("sendMessage")
    assert len(attempts) == 3 and attempts[0] == attempts[2]


def test_a_bad_request_is_not_retried_and_the_webhook_still_answers(
    client: TestClient, bot_api: RecordingBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.fail("sendMessage", 400)
    assert post(client, message_update("/start")) == 200
    assert len(bot_api.of("sendMessage")) == 1
    assert "Handling Telegram update 1001 failed: BadRequest" in caplog.text


def test_logs_hold_no_texts_user_ids_or_token(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post(client, message_update("/start"))
    post(client, message_update("Ich bin Ärztin", update_id=1002))
    post(client, callback_update('/inform{"occupation_id":"arzt"}'))
    rasa.down = True
    post(client, message_update("Ich bin Ärztin", update_id=1004))
    post(client, message_update("/start"), headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert caplog.records, "the relay logs something"
    for secret in ["Ärztin", "Datenschutz", CANDIDATES_DE, "Amira", "amira_h", str(USER_ID)]:
        assert secret not in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert SECRET not in caplog.text


def test_the_webhook_is_registered_at_start_with_the_secret(
    bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    url = "https://lotse.example.org/telegram/webhook"
    app = create_app(telegram_settings(bot_api, telegram_webhook_url=url))
    with TestClient(app):
        pass
    assert bot_api.of("setWebhook") == [
        {"url": url, "secret_token": SECRET, "allowed_updates": ["message", "callback_query"]}
    ]


def test_without_a_token_the_webhook_is_404_and_the_chat_api_works(
    bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    app = create_app(telegram_settings(bot_api, telegram_token="", telegram_secret_token=""))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as client:
        assert post(client, message_update("/start")) == 404
        assert (
            client.post("/api/chat", json={"session_id": "a", "text": "Hallo"}).status_code == 200
        )
    assert bot_api.calls == []


def test_telegram_unreachable_at_start_leaves_the_web_app_running(
    bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    app = create_app(telegram_settings(bot_api, telegram_base_url="http://127.0.0.1:9/bot"))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as client:
        assert post(client, message_update("/start")) == 503
        assert (
            client.post("/api/chat", json={"session_id": "a", "text": "Hallo"}).status_code == 200
        )


def test_a_button_press_too_old_to_answer_is_still_relayed(
    client: TestClient, bot_api: RecordingBotApi, rasa: FakeRasa
) -> None:
    bot_api.fail("answerCallbackQuery", 400)
    assert post(client, callback_update('/inform{"occupation_id":"arzt"}')) == 200
    assert rasa.sent[0][1] == '/inform{"occupation_id":"arzt"}'
    assert bot_api.of("sendMessage")[0]["text"] == ASK_COUNTRY_DE
