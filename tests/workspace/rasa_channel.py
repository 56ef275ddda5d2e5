"""Lotse's real Rasa input channel (bot/channels.py) served by uvicorn on 127.0.0.1, for tests.

A Rasa `Agent` without a model holds the domain, an in-memory tracker store and lock store: the
channel's conversation routes (transcript, pause, resume, say, erase, expire) need nothing else.
Messages through /webhook need the trained model; those run in tests/e2e/.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from rasa.core.agent import Agent
from rasa.core.channels.channel import register
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.channels import LotseInput
from lotse import PROJECT_ROOT

TOKEN = "channel-test-token"


@dataclass
class RasaChannel:
    """The running channel: its URL, token and the agent behind it."""

    url: str
    token: str
    agent: Agent
    loop: asyncio.AbstractEventLoop

    def add_conversation(self, sender_id: str, events: list[Event]) -> None:
        """Store a conversation with these events (in the server's event loop)."""
        tracker = DialogueStateTracker.from_events(sender_id, events)
        future = asyncio.run_coroutine_threadsafe(self.agent.tracker_store.save(tracker), self.loop)
        future.result(timeout=10)

    def tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """The stored conversation (all sessions), or None."""
        future = asyncio.run_coroutine_threadsafe(
            self.agent.tracker_store.retrieve_full_tracker(sender_id), self.loop
        )
        return future.result(timeout=10)


@contextmanager
def running_channel() -> Iterator[RasaChannel]:
    """Serve the channel on a free port until the block ends."""
    domain = Domain.load(str(PROJECT_ROOT / "bot" / "domain"))
    agent = Agent(
        domain=domain, tracker_store=InMemoryTrackerStore(domain), lock_store=InMemoryLockStore()
    )
    app = Sanic(f"lotse_channel_test_{time.monotonic_ns()}")
    app.ctx.agent = agent
    register([LotseInput(token=TOKEN)], app, route="/webhooks/")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, ws="none", loop="asyncio")
    )
    loops: list[asyncio.AbstractEventLoop] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loops.append(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Rasa channel did not start")
        time.sleep(0.02)
    try:
        yield RasaChannel(f"http://127.0.0.1:{sock.getsockname()[1]}", TOKEN, agent, loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
