"""Rate limits: token buckets per client IP (POST requests) and per chat session.

A bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens per second; each
request takes one. An empty bucket answers 429 with Retry-After. Without LOTSE_REDIS_URL the
buckets live in this process (one web worker). With it they live in Redis, shared by all workers
and replicas (one Lua script takes a token atomically, by Redis's clock); if Redis cannot be
reached, requests are allowed (fail open): rate limiting must never take the chat down.

Behind a reverse proxy the client IP is the proxy's unless uvicorn trusts it
(`--forwarded-allow-ips`, which sets the ASGI scope's client from X-Forwarded-For).
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from redis.commands.core import AsyncScript
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lotse import languages
from lotse.config import Settings
from lotse.telegram.constants import WEBHOOK_PATH
from lotse.web.messages import RATE_LIMITED
from lotse.web.redis_client import ERRORS, KEY_PREFIX, SharedRedis, hashed
from lotse.web.security import send_json

#: Most keys (IPs, sessions) one limiter remembers; the least recently seen are dropped first.
MAX_KEYS = 100_000
#: POST paths without the per-IP limit (Telegram's servers; the webhook checks its secret).
IP_LIMIT_EXEMPT_PATHS = frozenset({WEBHOOK_PATH})
CHAT_PATH = "/api/chat"
TOO_MANY_REQUESTS = "too many requests, please wait a moment"
#: Characters of a refused chat text looked at to choose the language of the answer.
LANGUAGE_SAMPLE_CHARS = 2000
#: Prefix of the buckets' keys in Redis (then the limiter's name and a hash of the IP or session).
REDIS_KEY_PREFIX = KEY_PREFIX + "rl:"

#: Takes one token from the bucket KEYS[1] (hash of tokens and updated, by Redis's clock).
#: ARGV: tokens per second, burst, seconds to keep the key. Returns the seconds to wait (0: allowed)
#: as a string, since Redis turns Lua numbers into integers.
TAKE_TOKEN_LUA = """
local rate, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(state[1]), tonumber(state[2])
if tokens == nil or updated == nil then
  tokens, updated = burst, now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(wait)
"""

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Token buckets by key; `per_minute` 0 switches the limit off."""

    def __init__(
        self, per_minute: int, burst: int, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        """`clock` (seconds, monotonic) is injectable for tests."""
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """False when the limit is switched off."""
        return self.rate > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 if allowed, else seconds until the next token."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket  # most recently used at the end
        self._evict()
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    async def acquire(self, key: str) -> float:
        """`take`, with the same (async) signature as the Redis limiter's."""
        return self.take(key)

    def _evict(self) -> None:
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


class RedisTokenBucketLimiter:
    """Token buckets by key in Redis, shared by every process using the same Redis.

    Redis's clock counts, so replicas with different clocks agree. A key lives as long as its
    bucket takes to fill up again (a full bucket and no key are the same). Redis errors allow.
    """

    def __init__(self, redis: SharedRedis, name: str, per_minute: int, burst: int) -> None:
        """`name` ("ip", "session") keeps the limiters' keys apart."""
        self.redis = redis
        self.name = name
        self.rate = per_minute / 60.0
        self.burst = max(burst, 1)
        self.ttl = math.ceil(self.burst / self.rate) + 1 if self.rate > 0 else 1
        self._script: AsyncScript | None = None

    @property
    def enabled(self) -> bool:
        """False when the limit is switched off."""
        return self.rate > 0

    def key(self, key: str) -> str:
        """The Redis key of `key`'s bucket (hashed: no IPs or session ids in Redis)."""
        return f"{REDIS_KEY_PREFIX}{self.name}:{hashed(key)}"

    async def acquire(self, key: str) -> float:
        """Take one token for `key`: 0.0 if allowed (or Redis unreachable), else seconds to wait."""
        if not self.enabled or not self.redis.available:
            return 0.0
        try:
            client = self.redis.client()
            if self._script is None:
                self._script = client.register_script(TAKE_TOKEN_LUA)
            wait = await self._script(
                keys=[self.key(key)], args=[self.rate, self.burst, self.ttl], client=client
            )
        except ERRORS as error:
            self.redis.failed(error)
            return 0.0
        self.redis.succeeded()
        return float(wait)


class RateLimits:
    """The app's two limiters; `clock` is shared and can be replaced by tests (in-process only)."""

    def __init__(
        self, settings: Settings, clock: Clock = time.monotonic, redis: SharedRedis | None = None
    ) -> None:
        """Limits from the settings: in `redis` if given (LOTSE_REDIS_URL), else in this process."""
        self._clock = clock
        self.redis = redis
        self.per_ip: TokenBucketLimiter | RedisTokenBucketLimiter
        self.per_session: TokenBucketLimiter | RedisTokenBucketLimiter
        if self.redis is not None:
            self.per_ip = RedisTokenBucketLimiter(
                self.redis, "ip", settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst
            )
            self.per_session = RedisTokenBucketLimiter(
                self.redis,
                "session",
                settings.rate_limit_session_per_minute,
                settings.rate_limit_session_burst,
            )
            return
        self.per_ip = TokenBucketLimiter(
            settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst, clock
        )
        self.per_session = TokenBucketLimiter(
            settings.rate_limit_session_per_minute, settings.rate_limit_session_burst, clock
        )

    @property
    def clock(self) -> Clock:
        """The clock both in-process limiters read (Redis reads its own)."""
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock
        for limiter in (self.per_ip, self.per_session):
            if isinstance(limiter, TokenBucketLimiter):
                limiter.clock = clock


def retry_after(wait: float) -> str:
    """The Retry-After header value (whole seconds, at least 1)."""
    return str(max(1, math.ceil(wait)))


def chat_language(body: bytes) -> str:
    """The language of a chat request body's text (German when there is none)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    data = data if isinstance(data, dict) else {}
    text, hint = data.get("text"), data.get("language")
    if not isinstance(text, str):
        return languages.DEFAULT
    return languages.decide(
        text[:LANGUAGE_SAMPLE_CHARS], None, hint=hint if isinstance(hint, str) else None
    )


def chat_body(language: str) -> dict:
    """A chat answer (same shape as 200) saying "you are writing very fast"."""
    return {"language": language, "messages": [{"text": RATE_LIMITED[language], "buttons": []}]}


async def read_body(receive: Receive) -> bytes:
    """The whole request body (the body-size middleware outside has bounded it)."""
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class IPRateLimitMiddleware:
    """Pure ASGI: POST requests per client IP; 429 with Retry-After (chat-shaped on /api/chat)."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        """Wrap `app`; `limits` is shared with the chat route (per session)."""
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] in IP_LIMIT_EXEMPT_PATHS
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = await self.limits.per_ip.acquire(client[0] if client else "unknown")
        if not wait:
            await self.app(scope, receive, send)
            return
        headers = {"Retry-After": retry_after(wait)}
        if scope["path"] == CHAT_PATH:
            body = chat_body(chat_language(await read_body(receive)))
        else:
            body = {"detail": TOO_MANY_REQUESTS}
        await send_json(send, 429, body, headers)


def get_rate_limits(request: Request) -> RateLimits:
    """The app's rate limits (created in create_app)."""
    return request.app.state.rate_limits


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]
