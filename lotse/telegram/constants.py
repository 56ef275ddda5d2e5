"""Every number and name the Telegram relay uses, in one place."""

from __future__ import annotations

from lotse.languages import NATIVE_NAMES, SUPPORTED

#: Rasa sender ids of Telegram chats ("tg-<chat_id>"), never mixed with web sessions.
SENDER_PREFIX = "tg-"
#: The value of the "channel" metadata key sent to Rasa.
CHANNEL = "telegram"

#: Telegram's limit for the text of one message (counted in UTF-16 code units).
MAX_MESSAGE_LENGTH = 4096
#: Telegram's limit for an inline button's callback_data (bytes).
MAX_CALLBACK_DATA_BYTES = 64
#: callback_data of a payload too long for Telegram: this prefix plus a short hash.
STORED_PAYLOAD_PREFIX = "p:"
#: Hex digits of the SHA-256 hash that key a stored payload.
STORED_PAYLOAD_HASH_LENGTH = 16
#: How many long payloads are kept (least recently used are dropped first).
STORED_PAYLOADS = 10_000
#: Longest text relayed to Rasa (the Lotse channel refuses more); longer messages are cut.
MAX_RASA_TEXT_LENGTH = 4000

#: Commands relayed to Rasa as typed; the Lotse channel maps them to intents.
RELAYED_COMMANDS = ("help", "language", "delete", "restart", "cancel")
START_COMMAND = "start"
#: What an unknown command ("/foo") is relayed as, so Rasa explains what Lotse can do.
UNKNOWN_COMMAND_TEXT = "/help"
#: The language buttons /start adds: (title, payload), each name in its own language.
LANGUAGE_BUTTONS: tuple[dict[str, str], ...] = tuple(
    {"title": NATIVE_NAMES[code], "payload": f'/change_language{{"language":"{code}"}}'}
    for code in SUPPORTED
)

#: Seconds between two typing indicators (Telegram shows one for about five seconds).
TYPING_INTERVAL = 4.0

#: Outgoing Bot API calls: attempts in all, first back-off delay (doubled each time) and cap.
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
#: A flood-control wait (RetryAfter) longer than this is not waited for.
MAX_RETRY_AFTER_SECONDS = 30.0

#: Update types Telegram should send to Lotse.
ALLOWED_UPDATES = ("message", "callback_query")
#: The web app's webhook route and the header carrying the secret token.
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: application.bot_data key of the Rasa client the handlers talk to.
RASA_CLIENT_KEY = "rasa_client"
#: application.bot_data key of the store for long button payloads.
PAYLOAD_STORE_KEY = "payloads"
#: bot_data key of the app database URL (hand-offs taken over by a counsellor).
DATABASE_URL_KEY = "database_url"
