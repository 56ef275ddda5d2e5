"""No personal data (and no secret) reaches the logs, whatever the log level of Lotse's loggers."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from lotse.telegram.constants import SECRET_HEADER, WEBHOOK_PATH
from lotse.web.deps import get_rasa_client
from lotse.web.main import create_app
from tests.security.conftest import EchoRasa, app_settings
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import SECRET, TOKEN

NAME = "Amira Haddad"
EMAIL = "amira.haddad@example.org"
PHONE = "+49 170 1234567"
USERNAME = "amira_h_private"
PERSONAL = (NAME, "Amira", "Haddad", EMAIL, PHONE, "1234567", USERNAME)
MESSAGES = (
    f"Ich heiße {NAME}",
    f"Meine E-Mail ist {EMAIL}",
    f"Telefon: {PHONE}",
    f"{NAME}, {EMAIL}, {PHONE}",
)


def telegram_update(update_id: int, text: str) -> dict:
    user = {"id": 5550001, "is_bot": False, "first_name": "Amira", "last_name": "Haddad",
            "username": USERNAME, "language_code": "de"}  # fmt: skip
    chat = {"id": 5550001, "type": "private", "first_name": "Amira", "username": USERNAME}
    message = {"message_id": update_id, "from": user, "chat": chat, "date": int(time.time()),
               "text": text}  # fmt: skip
    return {"update_id": update_id, "message": message}


def test_a_conversation_with_personal_data_leaves_none_in_the_logs(
    caplog: pytest.LogCaptureFixture, bot_api: RecordingBotApi
) -> None:
    # Every logger that exists at DEBUG; the app may quiet libraries when it starts (as it does
    # in production), which is part of what is tested.
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    rasa = EchoRasa()  # echoes the personal data back in its answers
    app = create_app(app_settings(bot_api))
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    with TestClient(app) as client:
        for text in MESSAGES:
            assert client.post("/api/chat", json={"session_id": "p", "text": text}).is_success
        too_long = f"{EMAIL} " * 400  # 422 names the problem, not the text
        assert client.post("/api/chat", json={"session_id": "p", "text": too_long}).is_client_error
        bad = {"session_id": EMAIL, "text": PHONE}
        assert client.post("/api/chat", json=bad).status_code == 422
        rasa.down = True
        assert client.post("/api/chat", json={"session_id": "p", "text": EMAIL}).status_code == 503
        rasa.down = False

        secret = {SECRET_HEADER: SECRET}
        for update_id, text in enumerate(MESSAGES, start=100):
            update = telegram_update(update_id, text)
            assert client.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200
        bot_api.fail("sendMessage", 400, 400, 400, 400, 400, 400)  # sending the answer fails
        update = telegram_update(200, f"noch einmal: {EMAIL}")
        assert client.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200
        rasa.down = True
        update = telegram_update(201, f"und {PHONE}")
        assert client.post(WEBHOOK_PATH, json=update, headers=secret).status_code == 200
        forged = {SECRET_HEADER: "wrong"}
        assert client.post(WEBHOOK_PATH, json=update, headers=forged).status_code == 403
        broken = json.dumps(update)[:-5]
        assert client.post(WEBHOOK_PATH, content=broken, headers=secret).status_code == 400

    assert rasa.sent  # the data did flow through the app
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert logged  # something was logged at all
    for value in (*PERSONAL, TOKEN, SECRET):
        assert value not in logged, value
