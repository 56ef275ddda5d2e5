"""Rasa → action server and tracker store failures fail the turn instead of being skipped."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import resilience
from lotse.config import get_settings

resilience.install()
DOMAIN = Domain.empty()


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTSE_ACTION_TIMEOUT", "0.5")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def run(url: str) -> list:
    action = RemoteAction("action_x", EndpointConfig(url))
    return await action.run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker("s", []),
        DOMAIN,
    )


@pytest.fixture
async def action_server() -> AsyncIterator[str]:
    async def webhook(request: web.Request) -> web.Response:
        behaviour = request.query.get("do")
        if behaviour == "fail":
            return web.Response(status=500)
        if behaviour == "reject":
            return web.json_response({"action_name": "action_x", "error": "no"}, status=400)
        if behaviour == "hang":
            await asyncio.sleep(5)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


async def test_an_answering_action_server_runs_the_action(action_server: str) -> None:
    assert await run(action_server) == []


async def test_an_action_error_aborts_the_turn(action_server: str) -> None:
    with pytest.raises(resilience.TurnAborted):
        await run(f"{action_server}?do=fail")


async def test_a_form_rejection_is_still_a_rejection(action_server: str) -> None:
    with pytest.raises(ActionExecutionRejection):
        await run(f"{action_server}?do=reject")


async def test_a_hanging_action_server_times_out(action_server: str, short_timeout: None) -> None:
    started = time.monotonic()
    with pytest.raises(resilience.TurnAborted):
        await run(f"{action_server}?do=hang")
    assert time.monotonic() - started < 2


async def test_a_refused_connection_is_retried_then_aborts() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/webhook"
    started = time.monotonic()
    with pytest.raises(resilience.TurnAborted):
        await run(url)
    assert time.monotonic() - started >= sum(resilience.CONNECT_RETRY_DELAYS)


class BrokenStore(InMemoryTrackerStore):
    async def retrieve(self, sender_id: str) -> None:
        raise ConnectionError("database down")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionError("database down")


async def test_an_unreachable_tracker_store_is_an_error_not_a_new_conversation() -> None:
    store = FailSafeTrackerStore(BrokenStore(DOMAIN))
    with pytest.raises(resilience.TrackerStoreUnavailable):
        await store.retrieve("s")
    with pytest.raises(resilience.TrackerStoreUnavailable):
        await store.save(DialogueStateTracker("s", []))
    assert list(await store.fallback_tracker_store.keys()) == []
