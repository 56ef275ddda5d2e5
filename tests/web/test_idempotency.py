"""Idempotent messages: a resent `message_id` is answered once, from memory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from lotse.web.deps import get_rasa_client
from lotse.web.idempotency import IdempotencyStore
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaReply, RasaUnavailable
from tests.web.conftest import FakeRasa

MESSAGE = {"session_id": "a", "text": "Ich bin Ärztin", "message_id": "3f2a9c1e-0001"}


class SlowFakeRasa(FakeRasa):
    """A FakeRasa whose answers wait until the test releases them; counts its answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.answers = 0

    async def send(self, sender: str, text: str, metadata: dict) -> RasaReply:
        self.sent.append((sender, text, metadata))
        await self.release.wait()
        self.answers += 1
        return RasaReply(language="de", messages=[{"text": f"Antwort {self.answers}"}])


def test_the_same_message_id_twice_reaches_rasa_once(client: TestClient, rasa: FakeRasa) -> None:
    first = client.post("/api/chat", json=MESSAGE)
    rasa.reply = RasaReply(language="de", messages=[{"text": "a different answer"}])
    second = client.post("/api/chat", json=MESSAGE)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert len(rasa.sent) == 1


def test_message_id_is_passed_to_rasa_as_metadata(client: TestClient, rasa: FakeRasa) -> None:
    client.post("/api/chat", json={**MESSAGE, "language": "de"})
    assert rasa.sent == [
        (
            "web-a",
            "Ich bin Ärztin",
            {"channel": "web", "language_hint": "de", "message_id": "3f2a9c1e-0001"},
        )
    ]


def test_different_message_ids_reach_rasa_each_time(client: TestClient, rasa: FakeRasa) -> None:
    client.post("/api/chat", json=MESSAGE)
    client.post("/api/chat", json={**MESSAGE, "message_id": "3f2a9c1e-0002"})
    assert len(rasa.sent) == 2


def test_without_message_id_every_message_reaches_rasa(client: TestClient, rasa: FakeRasa) -> None:
    body = {"session_id": "a", "text": "ja"}
    client.post("/api/chat", json=body)
    client.post("/api/chat", json=body)
    assert len(rasa.sent) == 2


def test_the_same_message_id_in_another_session_is_another_message(
    client: TestClient, rasa: FakeRasa
) -> None:
    client.post("/api/chat", json=MESSAGE)
    client.post("/api/chat", json={**MESSAGE, "session_id": "b"})
    assert [sender for sender, _, _ in rasa.sent] == ["web-a", "web-b"]


def test_a_failed_attempt_is_not_remembered(client: TestClient, rasa: FakeRasa) -> None:
    rasa.down = True
    assert client.post("/api/chat", json=MESSAGE).status_code == 503
    rasa.down = False
    retry = client.post("/api/chat", json=MESSAGE)
    assert retry.status_code == 200
    assert retry.json()["messages"] == [{"text": "Здравствуйте!", "buttons": []}]
    assert len(rasa.sent) == 2


@pytest.mark.parametrize(
    ("message_id", "fragment"),
    [("", "message_id"), ("x" * 65, "message_id"), ("a b", "message_id"), ("ä", "message_id")],
)
def test_invalid_message_ids_get_a_422(
    client: TestClient, rasa: FakeRasa, message_id: str, fragment: str
) -> None:
    response = client.post("/api/chat", json={**MESSAGE, "message_id": message_id})
    assert response.status_code == 422
    assert any(fragment in problem for problem in response.json()["detail"])
    assert rasa.sent == []


def test_openapi_documents_the_message_id(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    field = schema["components"]["schemas"]["ChatRequest"]["properties"]["message_id"]
    assert field["maxLength"] == 64
    assert "idempotency" in field["description"].lower()


async def test_a_concurrent_duplicate_waits_for_the_first_answer() -> None:
    rasa = SlowFakeRasa()
    app = create_app()
    app.dependency_overrides[get_rasa_client] = lambda: rasa
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lotse") as http:
        first = asyncio.create_task(http.post("/api/chat", json=MESSAGE))
        second = asyncio.create_task(http.post("/api/chat", json=MESSAGE))
        while not rasa.sent:  # the first one has reached Rasa …
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # … and the second one had time to arrive
        rasa.release.set()
        responses = await asyncio.gather(first, second)
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert responses[0].json()["messages"] == [{"text": "Antwort 1", "buttons": []}]
    assert len(rasa.sent) == 1


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_store_forgets_answers_after_the_ttl() -> None:
    clock = Clock()
    store: IdempotencyStore[int] = IdempotencyStore(ttl=600, clock=clock)
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        return len(calls)

    assert await store.run(("s", "m"), compute) == 1
    clock.now = 599
    assert await store.run(("s", "m"), compute) == 1
    clock.now = 601
    assert await store.run(("s", "m"), compute) == 2


async def test_store_keeps_at_most_max_entries_dropping_the_least_recently_used() -> None:
    store: IdempotencyStore[str] = IdempotencyStore(max_entries=2)

    def answer(text: str) -> Callable[[], Awaitable[str]]:
        async def compute() -> str:
            return text

        return compute

    await store.run(("s", "1"), answer("one"))
    await store.run(("s", "2"), answer("two"))
    await store.run(("s", "1"), answer("unused"))  # "1" is now the most recently used
    await store.run(("s", "3"), answer("three"))
    assert len(store) == 2
    assert await store.run(("s", "1"), answer("again")) == "one"
    assert await store.run(("s", "2"), answer("two, recomputed")) == "two, recomputed"


async def test_store_lets_a_waiting_duplicate_retry_when_the_first_attempt_fails() -> None:
    store: IdempotencyStore[str] = IdempotencyStore()
    started = asyncio.Event()
    fail = asyncio.Event()

    async def failing() -> str:
        started.set()
        await fail.wait()
        raise RasaUnavailable("ConnectError")

    async def succeeding() -> str:
        return "answered"

    first = asyncio.create_task(store.run(("s", "m"), failing))
    await started.wait()
    second = asyncio.create_task(store.run(("s", "m"), succeeding))
    await asyncio.sleep(0.01)
    fail.set()
    with pytest.raises(RasaUnavailable):
        await first
    assert await second == "answered"
