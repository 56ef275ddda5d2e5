"""Notifications of new hand-offs: a real SMTP server (aiosmtpd) and the recording Bot API.

A notification carries only the centre's name, the case reference and the link; the person's
name, contact, occupation text and chat id never appear in the e-mail or the Telegram message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lotse.config import Settings
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CentreSettings
from lotse.telegram.application import TelegramRelay, build_application
from lotse.workspace.notify import notify_new_handoffs
from lotse.workspace.person_texts import centre_name
from tests.telegram.bot_api import RecordingBotApi
from tests.telegram.conftest import telegram_settings
from tests.workspace.conftest import CENTRE_A, CENTRE_B

SMTP_PORT = 8125
COUNSELLORS_CHAT = "-100777"
PERSONAL = ("Olena Kovalenko", "olena@example.org", "Krankenschwester", "tg-4242", "4242")


class Inbox:
    """aiosmtpd handler keeping every received e-mail."""

    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def notify_settings(settings: Settings) -> Settings:
    return settings.copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": SMTP_PORT,
            "smtp_starttls": False,
            "public_url": "https://lotse.example.org",
        }
    )


@pytest.fixture
def personal_case(make_case: Callable[..., Handoff]) -> Callable[..., Handoff]:
    def make(**fields) -> Handoff:
        return make_case(
            sender_id="tg-4242",
            channel="telegram",
            contact_channel="email",
            contact_value="olena@example.org",
            occupation_text="Krankenschwester",
            transcript=[{"role": "person", "text": "Ich heiße Olena Kovalenko"}],
            **fields,
        )

    return make


def set_routes(db: Callable, centre: str, email: str | None, chat: str | None) -> None:
    session = db()
    session.merge(
        CentreSettings(centre_id=centre, notify_email=email, notify_telegram_chat_id=chat)
    )
    session.commit()


def notified(db: Callable) -> dict[str, bool]:
    session = db()
    session.expire_all()
    return {
        ref: at is not None for ref, at in session.execute(select(Handoff.ref, Handoff.notified_at))
    }


def run_with_relay(settings: Settings, bot_api: RecordingBotApi | None) -> int:
    async def run() -> int:
        if bot_api is None:
            return await notify_new_handoffs(settings, None)
        application = build_application(telegram_settings(bot_api))
        await application.initialize()
        try:
            return await notify_new_handoffs(
                settings, TelegramRelay(application, "s", running=True)
            )
        finally:
            await application.shutdown()

    return asyncio.run(run())


def test_email_and_telegram_carry_only_centre_reference_and_link(
    notify_settings: Settings,
    inbox: Inbox,
    bot_api: RecordingBotApi,
    personal_case: Callable,
    db: Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = personal_case()
    set_routes(db, CENTRE_A, "team@iq.example.org", COUNSELLORS_CHAT)
    with caplog.at_level(logging.DEBUG):
        assert run_with_relay(notify_settings, bot_api) == 1
    link = f"https://lotse.example.org/workspace/cases/{case.ref}"
    [(recipients, mail)] = inbox.mails
    assert recipients == ["team@iq.example.org"]
    body = mail.get_body().get_content()
    assert link in body and centre_name(CENTRE_A) in mail["Subject"] and case.ref in mail["Subject"]
    [message] = bot_api.of("sendMessage")
    assert message["chat_id"] == COUNSELLORS_CHAT
    assert link in message["text"] and centre_name(CENTRE_A) in message["text"]
    for secret in PERSONAL:
        assert secret not in body and secret not in mail["Subject"]
        assert secret not in message["text"]
        assert secret not in caplog.text
    assert notified(db) == {case.ref: True}
    # Nothing is sent twice.
    assert run_with_relay(notify_settings, bot_api) == 0
    assert len(inbox.mails) == 1 and len(bot_api.of("sendMessage")) == 1


def test_failure_is_retried_next_round(
    notify_settings: Settings, personal_case: Callable, db: Callable, inbox: Inbox
) -> None:
    case = personal_case()
    set_routes(db, CENTRE_A, "team@iq.example.org", None)
    down = notify_settings.copy(update={"smtp_port": 9})  # nothing listens there
    assert run_with_relay(down, None) == 0
    assert notified(db) == {case.ref: False}
    assert run_with_relay(notify_settings, None) == 1
    assert notified(db) == {case.ref: True} and len(inbox.mails) == 1


def test_global_chat_for_centres_without_their_own(
    notify_settings: Settings, personal_case: Callable, db: Callable, bot_api: RecordingBotApi
) -> None:
    case = personal_case(centre_id=CENTRE_B)
    settings = notify_settings.copy(update={"notify_telegram_chat_id": "-100999"})
    assert run_with_relay(settings, bot_api) == 1
    [message] = bot_api.of("sendMessage")
    assert message["chat_id"] == "-100999" and case.ref in message["text"]


def test_telegram_failure_is_retried(
    notify_settings: Settings, personal_case: Callable, db: Callable, bot_api: RecordingBotApi
) -> None:
    case = personal_case()
    set_routes(db, CENTRE_A, None, COUNSELLORS_CHAT)
    bot_api.fail("sendMessage", 400)
    assert run_with_relay(notify_settings, bot_api) == 0
    assert notified(db) == {case.ref: False}
    assert run_with_relay(notify_settings, bot_api) == 1


def test_centre_without_any_route_is_not_waited_for(
    notify_settings: Settings, personal_case: Callable, db: Callable
) -> None:
    case = personal_case()
    assert run_with_relay(notify_settings, None) == 1
    assert notified(db) == {case.ref: True}
