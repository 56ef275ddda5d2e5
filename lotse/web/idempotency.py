"""Idempotent chat messages: a resent message (same session, same `message_id`) is answered once.

A client that did not get an answer (network error, timeout) resends the message with the same
`message_id`. If the first attempt did reach Lotse, the stored answer is returned and the message
is not sent to Rasa a second time, so the conversation does not see it twice. A duplicate that
arrives while the first is still being answered waits for that answer.

The store is in-process (one web worker), bounded (least recently used entries are dropped) and
forgets answers after a while (time to live). Failed attempts are not stored: resending them
really tries again. With LOTSE_REDIS_URL finished answers are also kept in Redis for the same
time (key: a SHA-256 of session and message id), so a resend that another replica receives is
answered from there. A replica that starts answering claims the key first; a duplicate arriving
at another replica meanwhile waits for that answer (polling) instead of sending the message to
Rasa again, and answers itself if the claim is released after a failure or outlives its lease
(the replica died). If Redis cannot be reached, each process remembers its own answers, as
without Redis.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel

from lotse.web.redis_client import ERRORS, KEY_PREFIX, SharedRedis, hashed
from lotse.web.schemas import ChatResponse

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Key = tuple[str, str]

DEFAULT_TTL_SECONDS = 600.0
DEFAULT_MAX_ENTRIES = 10_000
#: Prefix of the stored answers' keys in Redis (then a hash of session and message id).
REDIS_KEY_PREFIX = KEY_PREFIX + "idem:"
#: Longest time a replica's claim on a message holds off the others (a dead replica's expires).
DEFAULT_LEASE_SECONDS = 60.0
#: How often a duplicate looks for the claiming replica's answer.
POLL_SECONDS = 0.1
#: Start of the value of a claimed key (then a token of the claim) until the answer replaces it.
CLAIM_PREFIX = b"claim:"
#: The stored value, or "" after claiming the key for this caller (one round trip, atomic).
_CLAIM_SCRIPT = """
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ''
"""
#: Delete the key only while it still holds this claim.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class _Entry(Generic[T]):
    """An answer being computed (`expires_at` None) or a stored one."""

    future: asyncio.Future[T]
    expires_at: float | None = None


class IdempotencyStore(Generic[T]):
    """Remembers the answer to each (session_id, message_id) for `ttl` seconds."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is injectable for tests."""
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Key, _Entry[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def run(self, key: Key, compute: Callable[[], Awaitable[T]]) -> T:
        """The stored answer for `key`, else `compute()`'s (stored if it succeeds).

        Concurrent calls with the same key wait for the first one. If it fails, they do not
        inherit its error: the next one computes again (a resend is a real retry).
        """
        while True:
            entry = self._lookup(key)
            if entry is None:
                break
            if entry.expires_at is not None:  # answered before
                return entry.future.result()
            try:  # being answered: wait for it without being cancelled by it
                return await asyncio.shield(entry.future)
            except asyncio.CancelledError:
                if entry.future.cancelled():
                    continue  # the first caller went away: try ourselves
                raise  # we ourselves were cancelled
            except Exception:
                continue  # the first attempt failed: try again ourselves

        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._entries[key] = _Entry(future)
        self._evict()
        try:
            result = await compute()
        except BaseException as error:
            # Not stored: waiters retry, a later resend computes again.
            self._entries.pop(key, None)
            if isinstance(error, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(error)
                future.exception()  # mark as retrieved: no "never retrieved" warning
            raise
        future.set_result(result)
        entry = self._entries.get(key)
        if entry is not None and entry.future is future:
            entry.expires_at = self._clock() + self.ttl
        return result

    def _lookup(self, key: Key) -> _Entry[T] | None:
        """The live entry for `key` (expired ones are dropped), marked as recently used."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def _evict(self) -> None:
        """Drop expired entries at the old end, then the least recently used stored ones."""
        now = self._clock()
        for key in list(self._entries):
            entry = self._entries[key]
            if entry.expires_at is None or entry.expires_at > now:
                break
            del self._entries[key]
        if len(self._entries) <= self.max_entries:
            return
        for key in list(self._entries):
            if len(self._entries) <= self.max_entries:
                break
            if self._entries[key].expires_at is not None:  # never drop one being answered
                del self._entries[key]


class RedisIdempotencyStore(Generic[M]):
    """An in-process store whose answers are claimed and kept in Redis (JSON of `model`)."""

    def __init__(
        self,
        redis: SharedRedis,
        model: type[M],
        ttl: float = DEFAULT_TTL_SECONDS,
        lease: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        """Answers are `model`s (pydantic); Redis forgets them after `ttl` seconds, and a claim
        that was neither answered nor released after `lease` seconds."""
        self.redis = redis
        self.model = model
        self.ttl = ttl
        self.lease = lease
        self.local: IdempotencyStore[M] = IdempotencyStore(ttl=ttl)

    def __len__(self) -> int:
        return len(self.local)

    @staticmethod
    def key(key: Key) -> str:
        """The Redis key of (session_id, message_id)."""
        return REDIS_KEY_PREFIX + hashed(*key)

    async def run(self, key: Key, compute: Callable[[], Awaitable[M]]) -> M:
        """The answer stored here or in Redis for `key`, else `compute()`'s (stored in both).

        While another replica holds the claim on `key`, wait for its answer (at most `lease`).
        """

        async def shared() -> M:
            redis_key = self.key(key)
            claim = CLAIM_PREFIX + uuid.uuid4().hex.encode()
            deadline = time.monotonic() + self.lease
            while True:
                stored = await self._claim(redis_key, claim)
                if stored is None or stored == b"":  # no Redis, or claimed by us
                    break
                if not stored.startswith(CLAIM_PREFIX):
                    try:
                        return self.model.parse_raw(stored)
                    except ValueError:  # written by another version: answer again
                        break
                if time.monotonic() >= deadline:  # the claim outlived its lease here
                    break
                await asyncio.sleep(POLL_SECONDS)
            try:
                result = await compute()
            except BaseException:
                await self._release(redis_key, claim)  # a resend or a waiter tries at once
                raise
            await self._set(redis_key, result.json())
            return result

        return await self.local.run(key, shared)

    async def _claim(self, redis_key: str, claim: bytes) -> bytes | None:
        """The stored answer or another's claim; b"" if now claimed; None without Redis."""
        if not self.redis.available:
            return None
        try:
            stored = await self.redis.client().eval(
                _CLAIM_SCRIPT, 1, redis_key, claim, max(1, round(self.lease))
            )
        except ERRORS as error:
            self.redis.failed(error)
            return None
        self.redis.succeeded()
        return stored

    async def _release(self, redis_key: str, claim: bytes) -> None:
        if not self.redis.available:
            return
        try:
            await self.redis.client().eval(_RELEASE_SCRIPT, 1, redis_key, claim)
        except ERRORS as error:
            self.redis.failed(error)

    async def _set(self, redis_key: str, value: str) -> None:
        if not self.redis.available:
            return
        try:
            await self.redis.client().set(redis_key, value, ex=max(1, round(self.ttl)))
        except ERRORS as error:
            self.redis.failed(error)
            return
        self.redis.succeeded()


def get_idempotency_store(request: Request) -> IdempotencyStore | RedisIdempotencyStore:
    """The app's store, created on first use (one per app, so tests do not share answers)."""
    store = getattr(request.app.state, "idempotency_store", None)
    if store is None:
        redis: SharedRedis | None = getattr(request.app.state, "redis", None)
        store = IdempotencyStore() if redis is None else RedisIdempotencyStore(redis, ChatResponse)
        request.app.state.idempotency_store = store
    return store


IdempotencyStoreDep = Annotated[
    IdempotencyStore | RedisIdempotencyStore, Depends(get_idempotency_store)
]
