"""Talks to the Rasa server through Lotse's input channel (bot/channels.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)

CHANNEL_WEBHOOK = "/webhooks/lotse/webhook"
CHANNEL_HEALTH = "/webhooks/lotse/"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


@dataclass(frozen=True)
class RasaReply:
    """Rasa's answer to one message: the conversation's language and the bot messages."""

    language: str | None
    messages: list[dict[str, Any]]


class RasaClient:
    """A small async client for the Rasa server and the action server."""

    def __init__(
        self, rasa_url: str, action_url: str, token: str | None, timeout: float = 30.0
    ) -> None:
        """Create the client; call `aclose()` when done."""
        self._action_url = action_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), headers=headers, timeout=timeout
        )

    async def send(self, sender: str, text: str, metadata: dict[str, str]) -> RasaReply:
        """Send one user message and return the bot's reply."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._http.post(CHANNEL_WEBHOOK, json=body)
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        data = response.json()
        return RasaReply(language=data.get("language"), messages=data.get("messages") or [])

    async def health(self) -> dict[str, bool]:
        """Whether the Rasa server (with its model and channel) and the action server answer."""
        return {
            "rasa": await self._answers(self._http.build_request("GET", CHANNEL_HEALTH)),
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
