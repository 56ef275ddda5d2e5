"""A recording stand-in for Telegram's Bot API: a real HTTP server on 127.0.0.1.

It records every method call with its parameters and answers as Telegram does
({"ok": true, "result": ...}); `fail` makes the next calls of a method fail with an HTTP status.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Lotse",
    "username": "lotse_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_DESCRIPTIONS = {
    400: "Bad Request: message text is empty",
    429: "Too Many Requests: retry after 1",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class Call:
    """One Bot API call: the token in the URL, the method and its decoded parameters."""

    token: str
    method: str
    params: dict[str, Any]


def _decode(value: str) -> Any:
    """Form values holding JSON objects or lists (reply_markup, allowed_updates) decoded."""
    return json.loads(value) if value[:1] in "{[" else value


class RecordingBotApi:
    """Records calls, answers like Telegram; `base_url` is set once the server runs."""

    def __init__(self) -> None:
        """An empty recording."""
        self.calls: list[Call] = []
        self.failures: dict[str, list[int]] = {}
        self.base_url = ""
        self._message_id = 0
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )

    def reset(self) -> None:
        """Forget recorded calls and planned failures."""
        self.calls.clear()
        self.failures.clear()

    def fail(self, method: str, *statuses: int) -> None:
        """Let the next calls of `method` fail with these HTTP statuses, in order."""
        self.failures.setdefault(method, []).extend(statuses)

    def of(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every recorded call of one method."""
        return [call.params for call in self.calls if call.method == method]

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()
        else:
            form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
            params = {key: _decode(value) for key, value in form}
        self.calls.append(Call(request.path_params["token"], method, params))
        planned = self.failures.get(method)
        if planned:
            status = planned.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": status,
                "description": _DESCRIPTIONS[status],
            }
            if status == 429:
                body["parameters"] = {"retry_after": 1}
            return JSONResponse(body, status_code=status)
        return JSONResponse({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method == "sendMessage":
            self._message_id += 1
            message = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True  # sendChatAction, answerCallbackQuery, setWebhook, deleteWebhook


@contextmanager
def running_bot_api() -> Iterator[RecordingBotApi]:
    """Serve a RecordingBotApi with uvicorn in a thread on a free port of 127.0.0.1."""
    api = RecordingBotApi()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            api.app,
            log_level="warning",
            access_log=False,  # request lines would hold the token
            lifespan="off",
            ws="none",  # Rasa pins an old websockets that uvicorn's ws protocol cannot import
            loop="asyncio",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the recording Bot API did not start")
        time.sleep(0.01)
    api.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/bot"
    try:
        yield api
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
