"""The ways a simulated person reaches Lotse: the chat API, Telegram's webhook, raw Rasa REST.

Each channel sends one turn and raises `TurnFailed` unless it was answered properly.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from lotse.bench.botapi import BotApiStandIn
from lotse.bench.constants import LOTSE_CHANNEL, RAW_REST, REST_WEBHOOK, TELEGRAM, WEB
from lotse.telegram.constants import SECRET_HEADER, WEBHOOK_PATH
from lotse.telegram.render import PayloadStore
from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import CHANNEL_WEBHOOK

#: Telegram chat ids of the simulated people start here.
FIRST_CHAT_ID = 1_000_000_000
_TRY_AGAIN_TEXTS = frozenset(TRY_AGAIN.values())


class TurnFailed(Exception):
    """A turn got no proper answer; `kind` says how (e.g. "HTTP 503", "no answer")."""

    def __init__(self, kind: str) -> None:
        """Remember the kind of failure."""
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Session:
    """One simulated person's conversation: its id, a number (Telegram chat id), the language."""

    id: str
    number: int
    language: str


class Channel(Protocol):
    """Sends one turn of a conversation."""

    name: str

    async def turn(self, http: httpx.AsyncClient, session: Session, text: str) -> None:
        """Send `text` and wait for the answer; raise TurnFailed without a proper one."""


def _expect_ok(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise TurnFailed(f"HTTP {response.status_code}")


@dataclass
class WebChannel:
    """POST /api/chat of the web app (what the widget and the chat page do)."""

    url: str
    name: str = WEB

    async def turn(self, http: httpx.AsyncClient, session: Session, text: str) -> None:
        """One chat API request."""
        response = await http.post(
            f"{self.url}/api/chat", json={"session_id": session.id, "text": text}
        )
        _expect_ok(response)
        if not response.json().get("messages"):
            raise TurnFailed("empty answer")


@dataclass
class RasaRestChannel:
    """Rasa's own REST channel, without the web app: the baseline for the app's overhead."""

    url: str
    name: str = RAW_REST

    async def turn(self, http: httpx.AsyncClient, session: Session, text: str) -> None:
        """One request to /webhooks/rest/webhook."""
        response = await http.post(
            f"{self.url}{REST_WEBHOOK}", json={"sender": f"rest-{session.id}", "message": text}
        )
        _expect_ok(response)
        if not response.json():
            raise TurnFailed("empty answer")


@dataclass
class LotseChannel:
    """Rasa's Lotse channel (bot/channels.py) directly, as the web app calls it."""

    url: str
    token: str
    name: str = LOTSE_CHANNEL

    async def turn(self, http: httpx.AsyncClient, session: Session, text: str) -> None:
        """One request to /webhooks/lotse/webhook."""
        response = await http.post(
            f"{self.url}{CHANNEL_WEBHOOK}",
            json={"sender": f"lotse-{session.id}", "message": text, "metadata": {"channel": "web"}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        _expect_ok(response)
        if not response.json().get("messages"):
            raise TurnFailed("empty answer")


@dataclass
class TelegramChannel:
    """Telegram updates posted to the web app's webhook; answers arrive at the Bot API stand-in.

    A scripted turn starting with "/" is a button press (a callback query), anything else a text
    message. The webhook answers once the reply was sent, so its request time is the turn time.
    """

    url: str
    secret: str
    bot_api: BotApiStandIn
    name: str = TELEGRAM

    def __post_init__(self) -> None:
        """Update ids count up like Telegram's."""
        self._update_ids = itertools.count(1)
        self._payloads = PayloadStore()

    async def turn(self, http: httpx.AsyncClient, session: Session, text: str) -> None:
        """One webhook request; the stand-in must have received an answer for the chat."""
        chat_id = FIRST_CHAT_ID + session.number
        self.bot_api.take(chat_id)
        update = self.update(chat_id, session.language, text)
        response = await http.post(
            f"{self.url}{WEBHOOK_PATH}", json=update, headers={SECRET_HEADER: self.secret}
        )
        _expect_ok(response)
        texts = self.bot_api.take(chat_id)
        if not texts:
            raise TurnFailed("no answer")
        if _TRY_AGAIN_TEXTS.intersection(texts):
            raise TurnFailed("try again")

    def update(self, chat_id: int, language: str, text: str) -> dict[str, Any]:
        """The update Telegram would post for this turn."""
        update_id = next(self._update_ids)
        user = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": language}
        chat = {"id": chat_id, "type": "private", "first_name": "Bench"}
        if not text.startswith("/"):
            message = {
                "message_id": update_id, "from": user, "chat": chat,
                "date": int(time.time()), "text": text,
            }  # fmt: skip
            return {"update_id": update_id, "message": message}
        data = self._payloads.callback_data(text)
        button = {"text": text, "callback_data": data}  # the title is the fallback payload
        message = {
            "message_id": update_id, "chat": chat, "date": int(time.time()), "text": "…",
            "from": {"id": 7000000002, "is_bot": True, "first_name": "Lotse"},
            "reply_markup": {"inline_keyboard": [[button]]},
        }  # fmt: skip
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"bench-{update_id}", "from": user, "chat_instance": str(chat_id),
                "data": data, "message": message,
            },
        }  # fmt: skip
