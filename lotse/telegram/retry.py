"""Outgoing Bot API calls, retried with back-off on network errors and flood control.

Retried: `NetworkError` (which includes `TimedOut`) and `RetryAfter`. Not retried: `BadRequest`
(a subclass of `NetworkError`, but a mistake that would fail again), `Forbidden` (the person
blocked the bot) and the other Telegram errors. Logs name the method and the error type only,
never the parameters (they hold chat ids and texts).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

from lotse.telegram import constants

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form is deprecated
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _delay(error: Exception, attempt: int) -> float | None:
    """Seconds to wait before the next attempt, or None if the error is not worth retrying."""
    if isinstance(error, RetryAfter):
        seconds = _retry_after_seconds(error)
        return seconds if seconds <= constants.MAX_RETRY_AFTER_SECONDS else None
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return min(constants.BACKOFF_SECONDS * 2**attempt, constants.MAX_BACKOFF_SECONDS)
    return None


async def call_with_retries(method: Callable[..., Awaitable[T]], /, **kwargs: object) -> T:
    """Call a Bot API method (e.g. ``bot.send_message``), retrying transient failures."""
    name = getattr(method, "__name__", "bot call")
    for attempt in range(constants.MAX_ATTEMPTS):
        try:
            return await method(**kwargs)
        except (NetworkError, RetryAfter) as error:
            delay = _delay(error, attempt)
            if delay is None or attempt + 1 == constants.MAX_ATTEMPTS:
                logger.warning("Telegram %s failed: %s", name, type(error).__name__)
                raise
            logger.info(
                "Telegram %s failed (%s), retry in %.1f s", name, type(error).__name__, delay
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
