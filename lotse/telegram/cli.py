"""``lotse telegram``: run the bot by long polling (local use) or register the webhook.

Usage:
    lotse telegram --polling                 # needs LOTSE_TELEGRAM_TOKEN and a running Rasa
    lotse telegram --set-webhook [URL]       # URL default: LOTSE_TELEGRAM_WEBHOOK_URL
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from telegram.error import TelegramError

from lotse.config import Settings, get_settings
from lotse.telegram import constants
from lotse.telegram.application import build_application, set_webhook
from lotse.web.rasa_client import RasaClient


def _polling(settings: Settings) -> int:
    """Fetch updates by long polling until Ctrl-C (deletes a registered webhook first)."""
    application = build_application(settings, polling=True)
    rasa = RasaClient.from_settings(settings)
    application.bot_data[constants.RASA_CLIENT_KEY] = rasa

    async def close_rasa(_: object) -> None:
        await rasa.aclose()

    application.post_shutdown = close_rasa
    print("Lotse on Telegram (polling); Ctrl-C stops it.", flush=True)
    application.run_polling(allowed_updates=list(constants.ALLOWED_UPDATES))
    return 0


def _set_webhook(settings: Settings, url: str) -> int:
    """Register the webhook URL with the secret token."""
    application = build_application(settings)

    async def register() -> None:
        async with application.bot as bot:
            await set_webhook(bot, url, settings.telegram_secret_token)

    asyncio.run(register())
    print(f"Webhook set: {url}")
    return 0


def _telegram(args: argparse.Namespace) -> int:
    """Run ``lotse telegram``."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level="INFO")
    settings = get_settings()
    if not settings.telegram_token:
        print("lotse telegram: set LOTSE_TELEGRAM_TOKEN", file=sys.stderr)
        return 2
    url = args.set_webhook or settings.telegram_webhook_url
    if not args.polling and not url:
        print("lotse telegram: give a URL or set LOTSE_TELEGRAM_WEBHOOK_URL", file=sys.stderr)
        return 2
    try:
        return _polling(settings) if args.polling else _set_webhook(settings, url)
    except (TelegramError, ValueError) as error:
        print(f"lotse telegram: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``telegram`` subcommand."""
    parser = subparsers.add_parser(
        "telegram", help="run the Telegram bot by polling, or register its webhook"
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--polling", action="store_true", help="fetch updates by long polling (local use)"
    )
    mode.add_argument(
        "--set-webhook",
        nargs="?",
        const="",
        metavar="URL",
        help="register URL (default: LOTSE_TELEGRAM_WEBHOOK_URL), e.g. "
        "https://example.org/telegram/webhook, with the secret token",
    )
    parser.set_defaults(func=_telegram)
