"""Rate limits and remembered answers shared through a real Redis by two app instances.

Two apps built with the same LOTSE_REDIS_URL stand in for two replicas behind a load balancer:
one budget is spent across both, and a resend that reaches the other replica is answered from
Redis, or, while the first replica is still answering it, waits for that answer. When Redis dies,
requests are still answered (fail open) and the outage is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lotse.config import Settings
from lotse.web.deps import get_rasa_client
from lotse.web.idempotency import CLAIM_PREFIX, DEFAULT_LEASE_SECONDS, RedisIdempotencyStore
from lotse.web.main import create_app
from lotse.web.rasa_client import RasaUnavailable
from lotse.web.ratelimit import REDIS_KEY_PREFIX, RedisTokenBucketLimiter, TokenBucketLimiter
from lotse.web.redis_client import PAUSE_AFTER_FAILURE, SharedRedis
from lotse.web.schemas import ChatResponse, Message
from tests.scale.services import Redis
from tests.web.conftest import FakeRasa

#: Loopback port of this module's redis-server (the e2e and scale suites use others).
REDIS_PORT = 56380
NO_LIMITS = {"rate_limit_ip_per_minute": 0, "rate_limit_session_per_minute": 0}
#: A burst, then (nearly) no refill within a test: 1 token per minute.
SLOW = 1


@pytest.fixture(scope="module")
def redis_server() -> Iterator[Redis]:
    """Debian's redis-server on loopback (the Makefile's `unit` target installs it)."""
    server = Redis(REDIS_PORT)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def redis(redis_server: Redis) -> Redis:
    """The server, running (again, if a test killed it) and empty."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis_server.client().flushdb()
    return redis_server


def settings(redis_url: str, **overrides: Any) -> Settings:
    return Settings(_env_file=None, redis_url=redis_url, **{**NO_LIMITS, **overrides})


Replicas = list[tuple[TestClient, FakeRasa]]


@pytest.fixture
def make_replicas(redis: Redis) -> Iterator[Callable[..., Replicas]]:
    """Builds two apps with the same Redis and these limits, each with its own fake Rasa."""
    with ExitStack() as stack:

        def make(**limits: Any) -> Replicas:
            pairs = []
            for _ in range(2):
                app = create_app(settings(redis.url, **limits))
                rasa = FakeRasa()
                app.dependency_overrides[get_rasa_client] = answered_by(rasa)
                pairs.append((stack.enter_context(TestClient(app)), rasa))
            return pairs

        yield make


def answered_by(rasa: FakeRasa) -> Callable[[], FakeRasa]:
    """A dependency override without parameters (FastAPI would read them as query ones)."""
    return lambda: rasa


def chat(client: TestClient, session: str = "s1", **extra: Any) -> Any:
    return client.post("/api/chat", json={"session_id": session, "text": "Hallo", **extra})


def test_two_replicas_spend_one_ip_budget(make_replicas: Callable[..., Replicas]) -> None:
    replicas = make_replicas(rate_limit_ip_per_minute=SLOW, rate_limit_ip_burst=3)
    (a, rasa_a), (b, rasa_b) = replicas
    answered = [chat(client, session=f"s{i}").status_code for i, client in enumerate([a, b, a])]
    assert answered == [200, 200, 200]
    for client in (b, a):  # the burst is spent, whichever replica is asked
        refused = chat(client, session="another")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 1
        assert refused.json()["messages"][0]["text"]  # chat-shaped, in the person's language
    assert len(rasa_a.sent) + len(rasa_b.sent) == 3


def test_two_replicas_spend_one_session_budget(
    make_replicas: Callable[..., Replicas],
) -> None:
    replicas = make_replicas(rate_limit_session_per_minute=SLOW, rate_limit_session_burst=2)
    (a, _), (b, _) = replicas
    assert [chat(a).status_code, chat(b).status_code] == [200, 200]
    assert chat(a).status_code == 429
    assert chat(b).status_code == 429
    assert chat(b, session="s2").status_code == 200  # other sessions have their own budget


def test_buckets_expire_and_show_no_ip(
    make_replicas: Callable[..., Replicas], redis: Redis
) -> None:
    replicas = make_replicas(rate_limit_ip_per_minute=SLOW, rate_limit_ip_burst=2)
    (a, _), _ = replicas
    chat(a)
    keys = [key.decode() for key in redis.client().keys("*")]
    assert len(keys) == 1
    assert keys[0].startswith(REDIS_KEY_PREFIX + "ip:")
    assert "testclient" not in keys[0]  # hashed: no client address in Redis
    assert 0 < redis.client().ttl(keys[0]) <= 2 * 60 + 1  # refilled after 2 min: forgotten


def test_the_bucket_refills_by_redis_time(make_replicas: Callable[..., Replicas]) -> None:
    replicas = make_replicas(rate_limit_ip_per_minute=120, rate_limit_ip_burst=1)
    (a, _), (b, _) = replicas  # a token every 0.5 s
    assert chat(a).status_code == 200
    assert chat(b).status_code == 429
    time.sleep(0.6)
    assert chat(b).status_code == 200


def test_a_resend_to_the_other_replica_is_answered_from_redis(
    make_replicas: Callable[..., Replicas], redis: Redis
) -> None:
    replicas = make_replicas()
    (a, rasa_a), (b, rasa_b) = replicas
    first = chat(a, message_id="m-1")
    again = chat(b, message_id="m-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert (len(rasa_a.sent), len(rasa_b.sent)) == (1, 0)  # Rasa saw the message once
    assert chat(b, message_id="m-2").status_code == 200
    assert len(rasa_b.sent) == 1  # a new message is answered
    keys = [key.decode() for key in redis.client().keys("lotse:idem:*")]
    assert len(keys) == 2
    assert not any("s1" in key or "m-1" in key for key in keys)
    assert all(590 < redis.client().ttl(key) <= 600 for key in keys)


def test_a_failed_answer_is_not_shared(make_replicas: Callable[..., Replicas]) -> None:
    replicas = make_replicas()
    (a, rasa_a), (b, rasa_b) = replicas
    rasa_a.down = True
    assert chat(a, message_id="m-1").status_code == 503
    assert chat(b, message_id="m-1").status_code == 200  # the resend really tries again
    assert len(rasa_b.sent) == 1


def test_without_redis_every_request_is_answered(
    make_replicas: Callable[..., Replicas], redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    replicas = make_replicas(
        rate_limit_ip_per_minute=SLOW,
        rate_limit_ip_burst=1,
        rate_limit_session_per_minute=SLOW,
        rate_limit_session_burst=1,
    )
    (a, rasa_a), (b, rasa_b) = replicas
    assert chat(a).status_code == 200
    assert chat(b).status_code == 429
    redis.kill()
    caplog.set_level(logging.WARNING, logger="lotse.web.redis_client")
    started = time.monotonic()
    statuses = [
        chat(client, message_id=f"m-{i}").status_code for i, client in enumerate([a, b] * 3)
    ]
    assert statuses == [200] * 6  # fail open: no 429, no 500
    assert time.monotonic() - started < 3
    assert chat(a, message_id="m-0").json() == chat(a, message_id="m-0").json()  # this process
    assert len(rasa_a.sent) == 1 + 3  # this process remembers its answers: m-0 sent once
    assert len(rasa_b.sent) == 3
    outage = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage) == 2  # once per replica, not per request
    assert all("s1" not in r.getMessage() and "redis://" not in r.getMessage() for r in outage)


def test_without_redis_url_the_limits_stay_in_process(redis: Redis) -> None:
    app = create_app(Settings(_env_file=None))
    assert app.state.redis is None
    assert isinstance(app.state.rate_limits.per_ip, TokenBucketLimiter)
    app = create_app(settings(redis.url))
    assert isinstance(app.state.rate_limits.per_session, RedisTokenBucketLimiter)


async def test_redis_is_asked_again_after_a_pause() -> None:
    now = [0.0]
    shared = SharedRedis("redis://127.0.0.1:1/0", clock=lambda: now[0])
    limiter = RedisTokenBucketLimiter(shared, "ip", per_minute=SLOW, burst=1)
    assert await limiter.acquire("x") == 0.0  # refused connection: allowed
    assert not shared.available
    now[0] += PAUSE_AFTER_FAILURE
    assert shared.available
    await shared.aclose()


def replica_stores(
    redis: Redis, lease: float = DEFAULT_LEASE_SECONDS
) -> list[RedisIdempotencyStore]:
    """The remembered answers of two replicas (each its own connection) on one Redis."""
    return [
        RedisIdempotencyStore(SharedRedis(redis.url), ChatResponse, lease=lease) for _ in range(2)
    ]


def answering(calls: list[str], name: str, seconds: float = 0.3, fail: bool = False):
    """An answer that takes `seconds` (as Rasa does), noting who computed it."""

    async def compute() -> ChatResponse:
        calls.append(name)
        await asyncio.sleep(seconds)
        if fail:
            raise RasaUnavailable("ConnectError")
        return ChatResponse(language="de", messages=[Message(text=f"Antwort von {name}")])

    return compute


async def test_a_concurrent_duplicate_on_the_other_replica_waits_for_the_first(
    redis: Redis,
) -> None:
    a, b = replica_stores(redis)
    calls: list[str] = []
    first = asyncio.create_task(a.run(("s1", "m-1"), answering(calls, "a")))
    await asyncio.sleep(0.05)  # a has claimed the message and is asking Rasa
    second = await b.run(("s1", "m-1"), answering(calls, "b"))
    assert calls == ["a"]  # Rasa saw the message once
    assert second == await first
    assert second.messages[0].text == "Antwort von a"
    assert [k.decode() for k in redis.client().keys("lotse:idem:*")] == [a.key(("s1", "m-1"))]


async def test_the_waiting_duplicate_answers_itself_when_the_first_fails(redis: Redis) -> None:
    a, b = replica_stores(redis)
    calls: list[str] = []
    first = asyncio.create_task(a.run(("s1", "m-1"), answering(calls, "a", fail=True)))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    second = await b.run(("s1", "m-1"), answering(calls, "b", seconds=0.0))
    with pytest.raises(RasaUnavailable):
        await first
    assert calls == ["a", "b"]
    assert second.messages[0].text == "Antwort von b"
    assert time.monotonic() - started < 1.0  # right after the failure, not after the lease


async def test_a_dead_replicas_claim_holds_off_the_others_only_for_its_lease(
    redis: Redis,
) -> None:
    _, b = replica_stores(redis, lease=1.0)
    key = b.key(("s1", "m-1"))
    redis.client().set(key, CLAIM_PREFIX + b"of-a-killed-replica", ex=1)
    calls: list[str] = []
    started = time.monotonic()
    answer = await b.run(("s1", "m-1"), answering(calls, "b", seconds=0.0))
    assert calls == ["b"]
    assert answer.messages[0].text == "Antwort von b"
    assert 0.8 < time.monotonic() - started < 3.0
