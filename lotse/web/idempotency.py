"""Idempotent chat messages: a resent message (same session, same `message_id`) is answered once.

A client that did not get an answer (network error, timeout) resends the message with the same
`message_id`. If the first attempt did reach Lotse, the stored answer is returned and the message
is not sent to Rasa a second time, so the conversation does not see it twice. A duplicate that
arrives while the first is still being answered waits for that answer.

The store is in-process (one web worker), bounded (least recently used entries are dropped) and
forgets answers after a while (time to live). Failed attempts are not stored: resending them
really tries again. With LOTSE_REDIS_URL finished answers are also kept in Redis for the same
time (key: a SHA-256 of session and message id), so a resend that another replica receives is
answered from there; concurrent duplicates are joined within each process only. If Redis cannot
be reached, each process remembers its own answers, as without Redis.
"""

from __future__ import annotations

import asyncio
import time
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
    """An in-process store whose finished answers are also kept in Redis (JSON of `model`)."""

    def __init__(
        self, redis: SharedRedis, model: type[M], ttl: float = DEFAULT_TTL_SECONDS
    ) -> None:
        """Answers are `model`s (pydantic); Redis forgets them after `ttl` seconds."""
        self.redis = redis
        self.model = model
        self.ttl = ttl
        self.local: IdempotencyStore[M] = IdempotencyStore(ttl=ttl)

    def __len__(self) -> int:
        return len(self.local)

    @staticmethod
    def key(key: Key) -> str:
        """The Redis key of (session_id, message_id)."""
        return REDIS_KEY_PREFIX + hashed(*key)

    async def run(self, key: Key, compute: Callable[[], Awaitable[M]]) -> M:
        """The answer stored here or in Redis for `key`, else `compute()`'s (stored in both)."""

        async def shared() -> M:
            stored = await self._get(self.key(key))
            if stored is not None:
                try:
                    return self.model.parse_raw(stored)
                except ValueError:  # written by another version: answer again
                    pass
            result = await compute()
            await self._set(self.key(key), result.json())
            return result

        return await self.local.run(key, shared)

    async def _get(self, redis_key: str) -> bytes | None:
        if not self.redis.available:
            return None
        try:
            stored = await self.redis.client().get(redis_key)
        except ERRORS as error:
            self.redis.failed(error)
            return None
        self.redis.succeeded()
        return stored

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
