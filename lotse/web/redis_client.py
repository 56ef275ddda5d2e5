"""The web app's connection to Redis (LOTSE_REDIS_URL), shared by the rate limits and idempotency.

Redis holds state that all web replicas must agree on, but it must never take the chat down: a
caller that gets an error from Redis carries on without it (`failed`), and Redis is then left alone
for `PAUSE_AFTER_FAILURE` seconds so that every request does not wait for a dead server. An
outage is logged once (the error's class, never the URL, which may hold a password, nor keys).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: Prefix of every key the web app writes, so Lotse's keys are easy to tell apart.
KEY_PREFIX = "lotse:"
#: Seconds Redis may take to connect or to answer one command before the caller carries on.
TIMEOUT_SECONDS = 0.5
#: Seconds Redis is not asked after a failure.
PAUSE_AFTER_FAILURE = 5.0
#: Errors after which the caller carries on without Redis.
ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def hashed(*parts: str) -> str:
    """A SHA-256 of `parts` (hex): keys never show IPs, session ids or message ids."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class SharedRedis:
    """A lazily connected redis.asyncio client with a pause after failures."""

    def __init__(
        self,
        url: str,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`url`: redis://[:password@]host:port/db; nothing connects until first use."""
        self.url = url
        self.timeout = timeout
        self.clock = clock
        self._client: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._paused_until = 0.0
        self._failing = False

    def client(self) -> aioredis.Redis:
        """The client of the running event loop (a new loop, e.g. in tests, gets a new one)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = aioredis.Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            self._loop = loop
        return self._client

    @property
    def available(self) -> bool:
        """False while Redis is left alone after a failure."""
        return self.clock() >= self._paused_until

    def failed(self, error: BaseException) -> None:
        """Note a failure: pause, and log the first of an outage."""
        self._paused_until = self.clock() + PAUSE_AFTER_FAILURE
        if not self._failing:
            self._failing = True
            logger.warning(
                "Redis unreachable (%s): rate limits allow everything and answers are "
                "remembered in this process only, until it is back",
                type(error).__name__,
            )

    def succeeded(self) -> None:
        """Note a success (logs the end of an outage)."""
        if self._failing:
            self._failing = False
            logger.warning("Redis reachable again: rate limits and answers are shared again")

    async def aclose(self) -> None:
        """Close the connections of the current loop's client."""
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            try:
                await client.close(close_connection_pool=True)
            except (*ERRORS, RuntimeError):  # a dead server or an earlier loop: nothing to close
                pass
