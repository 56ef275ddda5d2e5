"""A local HTTP server standing in for Telegram's Bot API during the load benchmark.

The web app's bot sends its answers here instead of to api.telegram.org. The stand-in keeps the
texts sent to each chat until the benchmark takes them (to check that a turn was answered) and
answers like Telegram ({"ok": true, "result": ...}), so python-telegram-bot is content.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {"id": 7000000002, "is_bot": True, "first_name": "Lotse", "username": "lotse_bench_bot"}


class BotApiStandIn:
    """Answers Bot API calls; `take(chat_id)` returns the texts sent to a chat since last time."""

    def __init__(self) -> None:
        """No texts yet; `base_url` is set once the server runs."""
        self.base_url = ""
        self.calls = 0
        self._texts: defaultdict[int, list[str]] = defaultdict(list)
        self._message_id = 0
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST"])]
        )

    def take(self, chat_id: int) -> list[str]:
        """The texts sent to `chat_id` since the last call, and forget them."""
        return self._texts.pop(chat_id, [])

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        try:
            body = await request.body()
        except ClientDisconnect:  # the bot gave up waiting (its timeout) and will retry
            return JSONResponse({"ok": False, "error_code": 400, "description": "gone"}, 400)
        if request.headers.get("content-type", "").startswith("application/json"):
            params: dict[str, Any] = json.loads(body or b"{}")
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        self.calls += 1
        return JSONResponse({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            self._texts[chat_id].append(str(params.get("text", "")))
            self._message_id += 1
            return {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True  # sendChatAction, answerCallbackQuery, setWebhook, deleteWebhook


@contextmanager
def running_bot_api(port: int = 0, host: str = "127.0.0.1") -> Iterator[BotApiStandIn]:
    """Serve a BotApiStandIn with uvicorn in a thread (port 0: any free port)."""
    api = BotApiStandIn()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise RuntimeError(f"port {port} for the Bot API stand-in is in use: {error}") from error
    server = uvicorn.Server(
        uvicorn.Config(
            api.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            loop="asyncio",
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Bot API stand-in did not start")
        time.sleep(0.01)
    api.base_url = f"http://{host}:{sock.getsockname()[1]}/bot"
    try:
        yield api
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
