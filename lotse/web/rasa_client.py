"""Talks to the Rasa server through Lotse's input channel (bot/channels.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from lotse.config import Settings
from lotse.web.replicas import ReplicaPool
from lotse.web.transcript import with_occupation_names

logger = logging.getLogger(__name__)

CHANNEL_WEBHOOK = "/webhooks/lotse/webhook"
CHANNEL_HEALTH = "/webhooks/lotse/"
#: The channel's routes for the counsellor workspace (bot/channels.py).
CHANNEL_CONVERSATIONS = "/webhooks/lotse/conversations"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class ConversationNotFound(Exception):
    """Rasa has no such conversation (never started, or erased)."""


@dataclass(frozen=True)
class RasaReply:
    """Rasa's answer to one message: the conversation's language and the bot messages.

    `paused`: a counsellor has taken the conversation over, so the bot did not answer.
    `resumed`: the message (a deletion request) resumed a paused conversation.
    """

    language: str | None
    messages: list[dict[str, Any]]
    paused: bool = False
    resumed: bool = False


class RasaClient:
    """A small async client for the Rasa server and the action server."""

    def __init__(
        self,
        rasa_url: str,
        action_url: str,
        token: str | None,
        timeout: float = 30.0,
        *,
        replica_urls: Sequence[str] = (),
        connect_timeout: float = 3.0,
    ) -> None:
        """Create the client; call `aclose()` when done.

        Every call goes to `replica_urls` in turn (default: `rasa_url` alone). `timeout`
        bounds one answer, `connect_timeout` one connection attempt.
        """
        self._action_url = action_url.rstrip("/")
        self._replicas = ReplicaPool(replica_urls or [rasa_url])
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        """The client for the configured Rasa replicas, action server, token and timeouts."""
        return cls(
            settings.rasa_url,
            settings.action_url,
            settings.channel_token,
            settings.rasa_timeout,
            replica_urls=settings.rasa_replica_urls,
            connect_timeout=settings.connect_timeout,
        )

    async def send(self, sender: str, text: str, metadata: dict[str, str]) -> RasaReply:
        """Send one user message to the next Rasa replica and return the bot's reply.

        A replica that cannot be connected to never saw the message, so the next one is tried;
        an error after the message was sent is not retried (it may have been handled).
        """
        body = {"sender": sender, "message": text, "metadata": metadata}
        response = await self._request_a_replica("POST", CHANNEL_WEBHOOK, body)
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        data = response.json()
        return RasaReply(
            language=data.get("language"),
            messages=data.get("messages") or [],
            paused=data.get("paused") is True,
            resumed=data.get("resumed") is True,
        )

    async def transcript(self, sender: str) -> list[dict[str, Any]] | None:
        """The conversation as transcript entries (see bot/transcript.py), with the matched
        occupations' names and scores; None if Rasa is unreachable or has no such conversation.
        """
        try:
            data = await self._conversation_call("GET", sender, "/transcript")
        except (RasaUnavailable, ConversationNotFound) as error:
            logger.warning("No transcript from Rasa: %s", type(error).__name__)
            return None
        entries = data.get("entries")
        if not isinstance(entries, list):
            return None
        return await asyncio.to_thread(with_occupation_names, entries)

    async def pause(self, sender: str) -> bool:
        """Pause the bot in this conversation (a counsellor writes); False if it already was."""
        data = await self._conversation_call("POST", sender, "/pause")
        return data.get("changed") is True

    async def resume(self, sender: str) -> bool:
        """Let the bot answer again in this conversation; False if it already did."""
        data = await self._conversation_call("POST", sender, "/resume")
        return data.get("changed") is True

    async def say(
        self, sender: str, text: str, author: str | None = None, notice: str | None = None
    ) -> None:
        """Record a message sent to the person in the conversation, as the bot's event.

        `author`: the counsellor's display name; `notice`: "takeover" | "handback" for the
        notices Lotse sends. Nothing is sent to the person by this call.
        """
        body: dict[str, Any] = {"text": text}
        if author:
            body["author"] = author
        if notice:
            body["notice"] = notice
        await self._conversation_call("POST", sender, "/say", body)

    async def erase(self, sender: str) -> None:
        """Delete every tracker event of this conversation (no error if there are none)."""
        await self._conversation_call("DELETE", sender, "")

    async def expire_conversations(self, idle_days: float, keep_sender_ids: Sequence[str]) -> int:
        """Erase conversations idle for more than `idle_days` days except `keep_sender_ids`;
        return how many were erased."""
        body = {"idle_days": idle_days, "keep": list(keep_sender_ids)}
        data = await self._call("POST", f"{CHANNEL_CONVERSATIONS}/expire", body)
        return int(data.get("erased") or 0)

    async def _conversation_call(
        self, method: str, sender: str, suffix: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        path = f"{CHANNEL_CONVERSATIONS}/{quote(sender, safe='')}{suffix}"
        return await self._call(method, path, body)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict:
        """One request to the channel's conversation routes; the JSON answer."""
        response = await self._request_a_replica(method, path, body)
        if response.status_code == 404:
            raise ConversationNotFound()
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as error:
            raise RasaUnavailable("answer is not JSON") from error
        return data if isinstance(data, dict) else {}

    async def _request_a_replica(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        """Send to the replicas in turn until one accepts the connection (they share the
        tracker store, so any replica serves any conversation)."""
        failure = "no Rasa server"
        for url in self._replicas.order():
            try:
                response = await self._http.request(method, f"{url}{path}", json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                self._replicas.failed(url)
                failure = type(error).__name__
                continue
            except httpx.HTTPError as error:
                raise RasaUnavailable(type(error).__name__) from error
            self._replicas.succeeded(url)
            return response
        raise RasaUnavailable(f"{failure} on every replica")

    async def health(self) -> dict[str, bool]:
        """Whether a Rasa server (with its model and channel) and the action server answer."""
        replicas = await asyncio.gather(
            *(
                self._answers(self._http.build_request("GET", f"{url}{CHANNEL_HEALTH}"))
                for url in self._replicas.urls
            )
        )
        return {
            "rasa": any(replicas),
            "actions": await self._answers(
                self._http.build_request("GET", f"{self._action_url}/health")
            ),
        }

    async def _answers(self, request: httpx.Request) -> bool:
        try:
            response = await self._http.send(request)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
