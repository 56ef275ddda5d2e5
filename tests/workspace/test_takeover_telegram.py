"""Take-over of a Telegram conversation: messages go out through the relay's bot at once.

The Bot API is the recording stand-in of tests/telegram/bot_api.py (a real HTTP server); Rasa's
channel is the real one (tests/workspace/rasa_channel.py); the web app runs with its lifespan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from rasa.shared.core.events import UserUttered
from sqlalchemy import select

from lotse.config import Settings
from lotse.store.handoffs import Handoff
from lotse.store.workspace import OutboundMessage
from lotse.web.main import create_app
from lotse.workspace import person_texts
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import telegram_settings
from tests.workspace.conftest import CENTRE_A, WorkspaceClient
from tests.workspace.rasa_channel import RasaChannel, running_channel

CHAT_ID = 5550001


@pytest.fixture(scope="module")
def channel() -> Iterator[RasaChannel]:
    with running_channel() as running:
        yield running


@pytest.fixture
def settings(settings: Settings, channel: RasaChannel, bot_api: RecordingBotApi) -> Settings:
    return telegram_settings(
        bot_api,
        var_dir=settings.var_dir,
        database_url=settings.database_url,
        rasa_url=channel.url,
        channel_token=channel.token,
        rate_limit_ip_per_minute=0,
        public_url="http://testserver",
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def counsellor(
    app: FastAPI, make_user: Callable[..., Any], login: Callable[..., WorkspaceClient]
) -> Iterator[WorkspaceClient]:
    make_user("anna@iq.example.org", centres=[CENTRE_A], name="Anna Berg")
    with WorkspaceClient(app, base_url="http://testserver") as client:
        yield login(client, "anna@iq.example.org")


@pytest.fixture
def tg_case(make_case: Callable[..., Handoff], channel: RasaChannel) -> Handoff:
    case = make_case(sender_id=f"tg-{CHAT_ID}", channel="telegram", language="ar")
    channel.add_conversation(case.sender_id, [UserUttered("مرحبا، أنا ممرضة")])
    return case


def sent_to_person(bot_api: RecordingBotApi) -> list[str]:
    return [c["text"] for c in bot_api.of("sendMessage") if str(c["chat_id"]) == str(CHAT_ID)]


def test_reply_reaches_the_telegram_chat_at_once(
    counsellor: WorkspaceClient,
    tg_case: Handoff,
    bot_api: RecordingBotApi,
    channel: RasaChannel,
    db: Callable,
) -> None:
    response = counsellor.submit(f"/workspace/cases/{tg_case.ref}/reply", {"text": "مرحبًا!"})
    assert response.status_code == 303
    assert channel.tracker(tg_case.sender_id).is_paused()
    assert sent_to_person(bot_api) == [
        person_texts.takeover_notice("ar", CENTRE_A),
        f"{person_texts.COUNSELLOR_LABEL['ar']}:\nمرحبًا!",
    ]
    response = counsellor.submit(f"/workspace/cases/{tg_case.ref}/handback")
    assert response.status_code == 303
    assert sent_to_person(bot_api)[-1] == person_texts.handback_notice("ar")
    rows = db().scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(r.kind, r.delivered_at is not None) for r in rows] == [
        ("takeover", True),
        ("counsellor", True),
        ("handback", True),
    ]


def test_refused_message_keeps_the_text_and_records_nothing(
    counsellor: WorkspaceClient, tg_case: Handoff, bot_api: RecordingBotApi, db: Callable
) -> None:
    counsellor.submit(f"/workspace/cases/{tg_case.ref}/takeover")
    bot_api.fail("sendMessage", 400)
    response = counsellor.submit(f"/workspace/cases/{tg_case.ref}/reply", {"text": "Ihr Termin"})
    assert response.status_code == 503
    assert "Telegram hat die Nachricht nicht angenommen (BadRequest)" in response.text
    assert ">Ihr Termin</textarea>" in response.text
    kinds = db().scalars(select(OutboundMessage.kind)).all()
    assert kinds == ["takeover"]
