"""The python-telegram-bot Application of Lotse, and its life inside the web app.

Webhook mode (the default): the application has no updater; the web app's route
POST /telegram/webhook hands each update to `Application.process_update`
(lotse/web/routers/telegram.py), and `telegram_relay` starts and stops the application in the
web app's lifespan. Polling mode (`lotse telegram --polling`) keeps PTB's updater.

Usage:
    application = build_application(settings)            # webhook
    application = build_application(settings, polling=True)
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from lotse.config import Settings
from lotse.telegram import constants, handlers
from lotse.telegram.render import PayloadStore
from lotse.telegram.retry import call_with_retries

logger = logging.getLogger(__name__)


#: Least level of libraries whose lower levels log personal data or the token.
QUIET_LOGGERS = {"httpx": logging.WARNING, "telegram": logging.INFO}


def quiet_libraries() -> None:
    """Keep personal data and the token out of the logs.

    httpx logs every request URL (which contains the bot token) at INFO; PTB logs whole updates
    and request parameters (texts, user ids) at DEBUG. Child loggers set louder (a DEBUG logging
    configuration) are quieted too.
    """
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
        for child in list(logging.root.manager.loggerDict):
            logger = logging.getLogger(child)
            if child.startswith(f"{name}.") and logger.level and logger.level < level:
                logger.setLevel(level)


def file_url(base_url: str) -> str:
    """The Bot API file URL that belongs to a base URL (".../bot" → ".../file/bot")."""
    return base_url.removesuffix("/bot") + "/file/bot" if base_url.endswith("/bot") else base_url


def add_handlers(application: Application) -> None:
    """Wire the handlers: /start, the other commands, text, buttons, errors (private chats)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler(constants.START_COMMAND, handlers.start, private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text_message)
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_error_handler(handlers.on_error)


def build_application(settings: Settings, *, polling: bool = False) -> Application:
    """The bot application for the configured token and Bot API URL.

    The Rasa client is not part of it: put it into ``bot_data[RASA_CLIENT_KEY]`` before updates
    are processed (the webhook route does so on every request).
    """
    quiet_libraries()
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(file_url(settings.telegram_base_url))
        .job_queue(None)  # no scheduled jobs: Rasa owns timing (reminders would live there)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[constants.PAYLOAD_STORE_KEY] = PayloadStore()
    application.bot_data[constants.DATABASE_URL_KEY] = settings.database_url
    add_handlers(application)
    return application


async def set_webhook(bot: Bot, url: str, secret_token: str) -> None:
    """Tell Telegram to post updates to `url`, with the secret token in a header."""
    if not secret_token:
        raise ValueError("a webhook needs LOTSE_TELEGRAM_SECRET_TOKEN")
    await call_with_retries(
        bot.set_webhook,
        url=url,
        secret_token=secret_token,
        allowed_updates=list(constants.ALLOWED_UPDATES),
    )


class RecentUpdates:
    """The ids of the updates seen last, so a replayed update is answered only once."""

    def __init__(self, capacity: int = 10_000) -> None:
        """Remember at most `capacity` ids (the oldest are forgotten first)."""
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, update_id: int) -> bool:
        """True the first time an id is seen; remembers it."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


@dataclass
class TelegramRelay:
    """The running application of the web app and the secret its webhook expects."""

    application: Application
    secret_token: str
    running: bool = False
    recent_updates: RecentUpdates = field(default_factory=RecentUpdates)


@asynccontextmanager
async def telegram_relay(settings: Settings) -> AsyncIterator[TelegramRelay | None]:
    """Start the application for the web app's lifespan (None without a token).

    If Telegram cannot be reached at start, the web app runs anyway and the webhook answers
    503, so Telegram delivers the updates again later.
    """
    if not settings.telegram_token:
        yield None
        return
    relay = TelegramRelay(build_application(settings), settings.telegram_secret_token)
    try:
        await relay.application.initialize()
        await relay.application.start()
        if settings.telegram_webhook_url:
            await set_webhook(
                relay.application.bot, settings.telegram_webhook_url, relay.secret_token
            )
        relay.running = True
        logger.info("Telegram channel running (webhook)")
    except (TelegramError, ValueError) as error:
        # No update is involved yet: the error names no person (never the token either).
        logger.error("Telegram channel not started: %s: %s", type(error).__name__, error)
    try:
        yield relay
    finally:
        if relay.application.running:
            await relay.application.stop()
        await relay.application.shutdown()
