"""The Telegram handlers: every message and button goes to Rasa, its answer back to the chat.

Rasa owns the dialogue state, so there is no ConversationHandler: a handler only builds the
Rasa message (sender "tg-<chat_id>", metadata channel, language hint, message id), shows the
typing indicator while Rasa thinks and sends the rendered answer. Nothing here logs what
people write or who they are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from lotse import languages
from lotse.telegram import constants
from lotse.telegram.render import PayloadStore, render_messages
from lotse.telegram.retry import call_with_retries
from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import RasaClient, RasaUnavailable
from lotse.web.sanitize import clean_text
from lotse.workspace.person_texts import RECEIVED, language_of

logger = logging.getLogger(__name__)

RasaMessage = Mapping[str, Any]


def sender_id(chat_id: int) -> str:
    """Rasa's sender id of a Telegram chat."""
    return f"{constants.SENDER_PREFIX}{chat_id}"


def rasa_metadata(update: Update) -> dict[str, str]:
    """The metadata Rasa's Lotse channel keeps: channel, language hint, message id."""
    metadata = {"channel": constants.CHANNEL, "message_id": str(update.update_id)}
    user = update.effective_user
    if user and user.language_code:
        metadata["language_hint"] = user.language_code
    return metadata


def with_language_buttons(messages: list[RasaMessage]) -> list[RasaMessage]:
    """Put the five language buttons under the last text (unless it has buttons already)."""
    texts = [index for index, message in enumerate(messages) if message.get("text")]
    if not texts or messages[texts[-1]].get("buttons"):
        return messages
    last = texts[-1]
    return [
        *messages[:last],
        {**messages[last], "buttons": list(constants.LANGUAGE_BUTTONS)},
        *messages[last + 1 :],
    ]


def command_text(text: str) -> str:
    """ "/Help@LotseBot now" → "/help"; an unknown command → "/help"."""
    command = text.split(maxsplit=1)[0].split("@", 1)[0].removeprefix("/").casefold()
    return (
        f"/{command}" if command in constants.RELAYED_COMMANDS else constants.UNKNOWN_COMMAND_TEXT
    )


@asynccontextmanager
async def typing_indicator(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends (renewed every few seconds).

    The first indicator is sent while the block runs (not before it: that cost a Bot API round
    trip per message) and is done before the block's answer is sent.
    """

    async def first() -> None:
        with suppress(TelegramError):  # no indicator is better than no answer
            await call_with_retries(bot.send_chat_action, chat_id=chat_id, action=ChatAction.TYPING)

    async def renew() -> None:
        while True:
            await asyncio.sleep(constants.TYPING_INTERVAL)
            with suppress(TelegramError):
                await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)

    shown = asyncio.create_task(first())
    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await shown


async def ask_rasa(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str
) -> list[RasaMessage]:
    """Rasa's answer to one message, or "please try again" in the person's language."""
    chat_id = update.effective_chat.id
    text = clean_text(text)
    rasa: RasaClient = context.bot_data[constants.RASA_CLIENT_KEY]
    metadata = rasa_metadata(update)
    async with typing_indicator(context.bot, chat_id):
        try:
            reply = await rasa.send(
                sender_id(chat_id), text[: constants.MAX_RASA_TEXT_LENGTH], metadata
            )
        except RasaUnavailable as error:
            logger.warning("Rasa unavailable for a Telegram message: %s", error)
            language = languages.decide(text, None, hint=metadata.get("language_hint"))
            return [{"text": TRY_AGAIN[language]}]
    if reply.resumed:  # a deletion request ended a counsellor's take-over
        from lotse.web.routers.chat import end_takeover_by_person

        database_url = context.bot_data[constants.DATABASE_URL_KEY]
        await asyncio.to_thread(end_takeover_by_person, database_url, sender_id(chat_id))
    if reply.paused and not reply.messages:  # a counsellor writes: say the message arrived
        return [{"text": RECEIVED[language_of(reply.language)]}]
    return list(reply.messages)


async def send_reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, messages: list[RasaMessage]
) -> None:
    """Send Rasa's messages to the chat, split and with inline keyboards."""
    payloads: PayloadStore = context.bot_data[constants.PAYLOAD_STORE_KEY]
    for kwargs in render_messages(messages, payloads):
        await call_with_retries(
            context.bot.send_message, chat_id=update.effective_chat.id, **kwargs
        )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: Lotse's greeting with its privacy note, and the language buttons."""
    messages = await ask_rasa(update, context, "/start")
    await send_reply(update, context, with_language_buttons(messages))


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help, /language, /delete, /restart, /cancel: relayed as typed (Rasa maps them)."""
    text = command_text(update.effective_message.text or "")
    await send_reply(update, context, await ask_rasa(update, context, text))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: relayed to Rasa, its answer sent back."""
    text = clean_text(update.effective_message.text or "")
    if text.strip():
        await send_reply(update, context, await ask_rasa(update, context, text))


def _button_title(update: Update) -> str | None:
    """The title of the pressed button, from the message's keyboard."""
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pressed inline button: answer the query, then relay the button's payload.

    A long payload forgotten since (a restart, the store's limit) is relayed as the button's
    title, which Rasa understands like a typed answer.
    """
    query = update.callback_query
    try:  # stops the button's spinner; fails for queries older than Telegram keeps them
        await call_with_retries(query.answer)
    except TelegramError as error:
        logger.info("Could not answer a button press: %s", type(error).__name__)
    payloads: PayloadStore = context.bot_data[constants.PAYLOAD_STORE_KEY]
    payload = payloads.resolve(query.data or "") or _button_title(update)
    if payload and update.effective_chat:
        await send_reply(update, context, await ask_rasa(update, context, payload))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update by its id and the error type only (no texts, no user ids)."""
    logger.error(
        "Handling Telegram update %s failed: %s",
        getattr(update, "update_id", "?"),
        type(context.error).__name__,
    )
