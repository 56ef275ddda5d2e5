"""Spreading messages over Rasa replicas and failing over to the next one (real local sockets)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lotse.config import Settings
from lotse.web.rasa_client import RasaClient, RasaUnavailable
from lotse.web.replicas import ReplicaPool


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_gives_every_replica_a_turn() -> None:
    pool = ReplicaPool(["http://a", "http://b", "http://c"])
    firsts = [pool.order()[0] for _ in range(6)]
    assert firsts == ["http://a", "http://b", "http://c"] * 2
    assert sorted(pool.order()) == ["http://a", "http://b", "http://c"]


def test_a_failed_replica_is_tried_last_until_its_cooldown_ends() -> None:
    clock = Clock()
    pool = ReplicaPool(["http://a", "http://b"], cooldown=5, clock=clock)
    pool.failed("http://a")
    assert [pool.order() for _ in range(2)] == [["http://b", "http://a"]] * 2
    clock.now += 5.1
    assert pool.order()[0] == "http://a"
    pool.failed("http://b")
    pool.succeeded("http://b")
    assert not pool.is_down("http://b")


def test_no_replicas_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ReplicaPool([])


def test_replica_urls_from_settings() -> None:
    assert Settings().rasa_replica_urls == ["http://127.0.0.1:5005"]
    assert Settings(rasa_url="http://127.0.0.1:5105", rasa_replicas=3).rasa_replica_urls == [
        "http://127.0.0.1:5105",
        "http://127.0.0.1:5106",
        "http://127.0.0.1:5107",
    ]
    assert Settings(rasa_urls=["http://rasa-1:5005"], rasa_replicas=2).rasa_replica_urls == [
        "http://rasa-1:5005"
    ]
    with pytest.raises(ValueError, match="at least 1"):
        Settings(rasa_replicas=0)


class Replica(ThreadingHTTPServer):
    """A Rasa channel stand-in: answers every message, or hangs up after reading it."""

    def __init__(self, name: str, hang_up: bool = False) -> None:
        self.name, self.hang_up, self.received = name, hang_up, 0
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Replica

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received += 1
        if self.server.hang_up:
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = json.dumps({"language": "de", "messages": [{"text": self.server.name}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    servers = [Replica("one"), Replica("two"), Replica("hang-up", hang_up=True)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def test_messages_alternate_between_replicas(replicas: list[Replica]) -> None:
    one, two, _ = replicas
    client = RasaClient(one.url, "http://127.0.0.1:9", None, replica_urls=[one.url, two.url])
    answers = [(await client.send("s", "hallo", {})).messages[0]["text"] for _ in range(4)]
    await client.aclose()
    assert answers == ["one", "two", "one", "two"]


async def test_a_dead_replica_is_skipped_and_the_message_reaches_the_next(
    replicas: list[Replica],
) -> None:
    one = replicas[0]
    dead = closed_port_url()
    client = RasaClient(dead, "http://127.0.0.1:9", None, replica_urls=[dead, one.url])
    answers = [(await client.send("s", "hallo", {})).messages[0]["text"] for _ in range(3)]
    await client.aclose()
    assert answers == ["one"] * 3 and one.received == 3


async def test_a_replica_that_dies_after_reading_the_message_is_not_retried(
    replicas: list[Replica],
) -> None:
    """The message may have been handled: the person is asked to try again instead."""
    one, _, hang_up = replicas
    client = RasaClient(
        hang_up.url, "http://127.0.0.1:9", None, replica_urls=[hang_up.url, one.url]
    )
    with pytest.raises(RasaUnavailable):
        await client.send("s", "hallo", {})
    await client.aclose()
    assert (hang_up.received, one.received) == (1, 0)


async def test_every_replica_dead_is_rasa_unavailable() -> None:
    dead = [closed_port_url(), closed_port_url()]
    client = RasaClient(dead[0], "http://127.0.0.1:9", None, replica_urls=dead)
    with pytest.raises(RasaUnavailable, match="every replica"):
        await client.send("s", "hallo", {})
    assert await client.health() == {"rasa": False, "actions": False}
    await client.aclose()


async def test_health_is_ok_while_one_replica_answers(replicas: list[Replica]) -> None:
    one = replicas[0]
    client = RasaClient(one.url, one.url, None, replica_urls=[closed_port_url(), one.url])
    assert (await client.health())["rasa"] is True
    await client.aclose()
