"""Lotse's Rasa input channel, used by the web app and the Telegram relay.

Unlike Rasa's REST channel it keeps the sender's metadata (language hint, channel name) in the
tracker, answers with the conversation's language next to the bot messages, reports a failure as
an HTTP error instead of an empty answer, and never logs what people write.

POST /webhooks/lotse/webhook
    {"sender": "abc", "message": "Привет", "metadata": {"channel": "web", "language_hint": "ru"}}
    -> 200 {"language": "ru", "messages": [{"recipient_id": "abc", "text": "...", "buttons": []}]}
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.actions.names import ERASE_CONVERSATION

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4000
#: Commands people type (Telegram style) and the intent each one triggers.
COMMANDS = {
    "/start": "/greet",
    "/help": "/bot_capabilities",
    "/language": "/change_language",
    "/delete": "/delete_data",
    "/restart": "/start_over",
    "/cancel": "/cancel",
}
MAX_SENDER_LENGTH = 128
_METADATA_KEYS = ("channel", "language_hint", "message_id")


class LotseInput(InputChannel):
    """Input channel for Lotse's own front ends (web app, Telegram relay)."""

    @classmethod
    def name(cls) -> str:
        """Channel name, also the URL prefix: /webhooks/lotse/."""
        return "lotse"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from credentials.yml (an optional shared token)."""
        return cls(token=(credentials or {}).get("token") or None)

    def __init__(self, token: str | None = None) -> None:
        """Create the channel; with a token, every request must carry it as a bearer token."""
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        supplied = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(supplied.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health) and POST /webhook (one user message)."""
        webhook = Blueprint("lotse_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "invalid token"}, status=401)
            try:
                payload = request.json
            except Exception:
                payload = None
            problem = _validate(payload)
            if problem:
                return response.json({"error": problem}, status=400)
            sender, text = payload["sender"], command_payload(payload["message"])
            metadata = {
                key: value
                for key, value in (payload.get("metadata") or {}).items()
                if key in _METADATA_KEYS and isinstance(value, str)
            }
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except Exception:
                logger.exception("Handling a message failed (channel %s)", metadata.get("channel"))
                return response.json({"error": "message could not be processed"}, status=503)
            store = request.app.ctx.agent.tracker_store
            tracker = await store.retrieve(sender)
            language = tracker.get_slot("language") if tracker else None
            messages = [m for m in collector.messages if m.get("custom") != ERASE_CONVERSATION]
            if len(messages) < len(collector.messages):
                erase_conversation(store, sender)
            return response.json({"language": language, "messages": messages})

        return webhook


def command_payload(text: str) -> str:
    """ "/delete" → "/delete_data" (and the other commands); any other text unchanged."""
    command = text.strip().split("@", 1)[0].casefold()  # Telegram adds "@botname" in groups
    return COMMANDS.get(command, text)


def _validate(payload: Any) -> str | None:
    """Return what is wrong with a webhook payload, or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    sender, text = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_LENGTH:
        return f"sender must be a string of 1 to {MAX_SENDER_LENGTH} characters"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
        return f"message must be a non-empty string of at most {MAX_TEXT_LENGTH} characters"
    if not isinstance(payload.get("metadata") or {}, dict):
        return "metadata must be a JSON object"
    return None


def erase_conversation(store: TrackerStore, sender_id: str) -> None:
    """Delete every stored event of one conversation (a deletion request)."""
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps stores in AwaitableTrackerStore
    if isinstance(inner, SQLTrackerStore):
        with inner.session_scope() as session:
            session.query(inner.SQLEvent).filter(inner.SQLEvent.sender_id == sender_id).delete()
            session.commit()
    elif isinstance(inner, InMemoryTrackerStore):
        inner.store.pop(sender_id, None)
    else:
        raise NotImplementedError(f"erasing conversations from {type(inner).__name__}")
    logger.info("Erased a conversation on request")
