"""Lotse's Rasa input channel, used by the web app and the Telegram relay.

Unlike Rasa's REST channel it keeps the sender's metadata (language hint, channel name) in the
tracker, answers with the conversation's language next to the bot messages, reports a failure as
an HTTP error instead of an empty answer, and never logs what people write.

POST /webhooks/lotse/webhook
    {"sender": "abc", "message": "Привет", "metadata": {"channel": "web", "language_hint": "ru"}}
    -> 200 {"language": "ru", "messages": [{"recipient_id": "abc", "text": "...", "buttons": []}],
            "paused": false, "resumed": false}

The counsellor workspace (through the web app) reads and steers a conversation with:
    GET    /webhooks/lotse/conversations/<sender>/transcript -> {"sender", "paused", "entries"}
    POST   /webhooks/lotse/conversations/<sender>/pause      -> {"paused": true, "changed": bool}
    POST   /webhooks/lotse/conversations/<sender>/resume     -> {"paused": false, "changed": bool}
    POST   /webhooks/lotse/conversations/<sender>/say {"text", "author"?, "notice"?}
                                                             -> {"said": true}
    DELETE /webhooks/lotse/conversations/<sender>            -> {"erased": true}
    POST   /webhooks/lotse/conversations/expire {"idle_days", "keep": [...]} -> {"erased": <count>}
A missing conversation is a 404. Events are appended under the agent's lock for the sender, with
Rasa's own ConversationPaused / ConversationResumed / BotUttered events: while paused, Rasa logs
the person's messages (and fills slots such as the language) but predicts no action, so the bot
stays silent. A deletion request ("/delete", or a message understood as one) resumes the
conversation first and still reaches the bot; the answer then says "resumed": true.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Event
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import conversations, resilience, speedups, turns
from bot.actions.names import ERASE_CONVERSATION
from bot.transcript import COUNSELLOR_KEY, NOTICE_KEY, transcript_entries

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
#: The deletion request, which reaches the bot even while a counsellor has paused it.
DELETE_PAYLOAD = COMMANDS["/delete"]
DELETE_INTENT = DELETE_PAYLOAD.removeprefix("/")
#: Least NLU confidence for a typed deletion request ("delete my data") to resume a paused bot.
DELETE_INTENT_CONFIDENCE = 0.55
#: "web-" + a 128-character session id, "tg-" + a chat id.
MAX_SENDER_LENGTH = 160
MAX_AUTHOR_LENGTH = 120
NOTICES = frozenset({"takeover", "handback"})
_METADATA_KEYS = ("channel", "language_hint", "message_id")

resilience.install()  # a failed custom action fails the turn (503) instead of being skipped
speedups.install()  # faster action response checks, event lookups and SQLite tracker writes
turns.install()  # the pause kept across sessions, and the saved tracker, without extra reads


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
        #: Messages this Rasa server answered (its health route shows it; tests of replicas).
        self.handled = 0

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        supplied = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(supplied.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health), POST /webhook (one user message), /conversations/... ."""
        webhook = Blueprint("lotse_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "messages": self.handled})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _unauthorised()
            payload = _json_body(request)
            problem = _validate(payload)
            if problem:
                return response.json({"error": problem}, status=400)
            sender, text = payload["sender"], command_payload(payload["message"])
            metadata = {
                key: value
                for key, value in (payload.get("metadata") or {}).items()
                if key in _METADATA_KEYS and isinstance(value, str)
            }
            agent: Agent = request.app.ctx.agent
            collector = CollectingOutputChannel()
            try:
                with turns.turn(sender, resume=text == DELETE_PAYLOAD) as current:
                    await on_new_message(
                        UserMessage(
                            text, collector, sender, input_channel=self.name(), metadata=metadata
                        )
                    )
                    tracker = current.tracker or await agent.tracker_store.retrieve(sender)
                    resumed = current.resumed
                    if tracker is not None and tracker.is_paused() and _asks_to_delete(tracker):
                        # "delete my data" typed while paused: resume, then let the bot handle it.
                        await _append(agent, sender, ConversationResumed(), only_if_paused=True)
                        resumed, collector = True, CollectingOutputChannel()
                        current.tracker = None
                        await on_new_message(
                            UserMessage(
                                DELETE_PAYLOAD,
                                collector,
                                sender,
                                input_channel=self.name(),
                                metadata=metadata,
                            )
                        )
                        tracker = current.tracker or await agent.tracker_store.retrieve(sender)
            except (Exception, resilience.TurnAborted) as error:
                logger.error(
                    "Handling a message failed (channel %s): %s",
                    metadata.get("channel"),
                    type(error).__name__,
                    exc_info=not isinstance(error, resilience.TurnAborted),
                )
                return response.json({"error": "message could not be processed"}, status=503)
            self.handled += 1
            language = tracker.get_slot("language") if tracker else None
            paused = bool(tracker and tracker.is_paused())
            messages = [m for m in collector.messages if m.get("custom") != ERASE_CONVERSATION]
            if len(messages) < len(collector.messages):
                async with agent.lock_store.lock(sender):
                    erase_conversation(agent.tracker_store, sender)
                paused = False
            return response.json(
                {"language": language, "messages": messages, "paused": paused, "resumed": resumed}
            )

        @webhook.route("/conversations/<sender:str>/transcript", methods=["GET"])
        async def transcript(request: Request, sender: str) -> HTTPResponse:
            if not self._authorised(request):
                return _unauthorised()
            if not _valid_sender(sender):
                return _bad_sender()
            tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(sender)
            if tracker is None:
                return _no_conversation()
            entries = transcript_entries([event.as_dict() for event in tracker.events])
            return response.json(
                {"sender": sender, "paused": tracker.is_paused(), "entries": entries}
            )

        @webhook.route("/conversations/<sender:str>/pause", methods=["POST"])
        async def pause(request: Request, sender: str) -> HTTPResponse:
            return await self._append_route(request, sender, ConversationPaused())

        @webhook.route("/conversations/<sender:str>/resume", methods=["POST"])
        async def resume(request: Request, sender: str) -> HTTPResponse:
            return await self._append_route(request, sender, ConversationResumed())

        @webhook.route("/conversations/<sender:str>/say", methods=["POST"])
        async def say(request: Request, sender: str) -> HTTPResponse:
            if not self._authorised(request):
                return _unauthorised()
            payload = _json_body(request)
            problem = _validate_say(payload)
            if problem:
                return response.json({"error": problem}, status=400)
            metadata = {}
            if payload.get("author"):
                metadata[COUNSELLOR_KEY] = payload["author"]
            if payload.get("notice"):
                metadata[NOTICE_KEY] = payload["notice"]
            event = BotUttered(payload["text"], {}, metadata)
            return await self._append_route(request, sender, event)

        @webhook.route("/conversations/<sender:str>", methods=["DELETE"])
        async def erase(request: Request, sender: str) -> HTTPResponse:
            if not self._authorised(request):
                return _unauthorised()
            if not _valid_sender(sender):
                return _bad_sender()
            agent: Agent = request.app.ctx.agent
            async with agent.lock_store.lock(sender):
                erase_conversation(agent.tracker_store, sender)
            return response.json({"erased": True})

        @webhook.route("/conversations/expire", methods=["POST"])
        async def expire(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return _unauthorised()
            payload = _json_body(request)
            problem = _validate_expire(payload)
            if problem:
                return response.json({"error": problem}, status=400)
            count = await conversations.expire_conversations(
                request.app.ctx.agent.tracker_store, payload["idle_days"], payload.get("keep") or []
            )
            return response.json({"erased": count})

        return webhook

    async def _append_route(self, request: Request, sender: str, event: Event) -> HTTPResponse:
        """Append one event to an existing conversation (pause, resume, say)."""
        if not self._authorised(request):
            return _unauthorised()
        if not _valid_sender(sender):
            return _bad_sender()
        tracker, changed = await _append(request.app.ctx.agent, sender, event)
        if tracker is None:
            return _no_conversation()
        if isinstance(event, BotUttered):
            return response.json({"said": True, "paused": tracker.is_paused()})
        return response.json({"paused": tracker.is_paused(), "changed": changed})


async def _append(
    agent: Agent, sender: str, event: Event, only_if_paused: bool = False
) -> tuple[DialogueStateTracker | None, bool]:
    """Append `event` to the conversation under its lock: (tracker, whether it was appended);
    (None, False) if there is no conversation.

    Pausing a paused or resuming a running conversation changes nothing (no duplicate events).
    """
    async with agent.lock_store.lock(sender):
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            return None, False
        redundant = (isinstance(event, ConversationPaused) and tracker.is_paused()) or (
            isinstance(event, ConversationResumed) and not tracker.is_paused()
        )
        if redundant or (only_if_paused and not tracker.is_paused()):
            return tracker, False
        tracker.update(event, agent.domain)
        await agent.tracker_store.save(tracker)
        return tracker, True


def _asks_to_delete(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message was understood as a deletion request."""
    intent = (tracker.latest_message.intent if tracker.latest_message else None) or {}
    return (
        intent.get("name") == DELETE_INTENT
        and (intent.get("confidence") or 0.0) >= DELETE_INTENT_CONFIDENCE
    )


def _json_body(request: Request) -> Any:
    try:
        return request.json
    except Exception:
        return None


def _unauthorised() -> HTTPResponse:
    return response.json({"error": "invalid token"}, status=401)


def _bad_sender() -> HTTPResponse:
    return response.json(
        {"error": f"sender must be 1 to {MAX_SENDER_LENGTH} characters"}, status=400
    )


def _no_conversation() -> HTTPResponse:
    return response.json({"error": "no such conversation"}, status=404)


def _valid_sender(sender: Any) -> bool:
    return isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_LENGTH


def command_payload(text: str) -> str:
    """ "/delete" → "/delete_data" (and the other commands); any other text unchanged."""
    command = text.strip().split("@", 1)[0].casefold()  # Telegram adds "@botname" in groups
    return COMMANDS.get(command, text)


def _validate(payload: Any) -> str | None:
    """Return what is wrong with a webhook payload, or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    sender, text = payload.get("sender"), payload.get("message")
    if not _valid_sender(sender):
        return f"sender must be a string of 1 to {MAX_SENDER_LENGTH} characters"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
        return f"message must be a non-empty string of at most {MAX_TEXT_LENGTH} characters"
    if not isinstance(payload.get("metadata") or {}, dict):
        return "metadata must be a JSON object"
    return None


def _validate_say(payload: Any) -> str | None:
    """What is wrong with a "say" body ({"text", "author"?, "notice"?}), or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    text, author, notice = payload.get("text"), payload.get("author"), payload.get("notice")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
        return f"text must be a non-empty string of at most {MAX_TEXT_LENGTH} characters"
    if author is not None and (not isinstance(author, str) or len(author) > MAX_AUTHOR_LENGTH):
        return f"author must be a string of at most {MAX_AUTHOR_LENGTH} characters"
    if notice is not None and notice not in NOTICES:
        return f"notice must be one of {sorted(NOTICES)}"
    return None


def _validate_expire(payload: Any) -> str | None:
    """What is wrong with an "expire" body ({"idle_days", "keep"?}), or None."""
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    days, keep = payload.get("idle_days"), payload.get("keep") or []
    if isinstance(days, bool) or not isinstance(days, (int, float)) or not days > 0:
        return "idle_days must be a number greater than 0"
    if not isinstance(keep, list) or not all(_valid_sender(sender) for sender in keep):
        return "keep must be a list of sender ids"
    return None


def erase_conversation(store: TrackerStore, sender_id: str) -> None:
    """Delete every stored event of one conversation (a deletion request)."""
    conversations.erase_conversation(store, sender_id)
