"""Rasa → action server: a timeout per call, retries while the server cannot be reached, and a
failed action fails the whole turn instead of being skipped. Rasa → database: an unreachable
tracker store fails the turn too, and stale connections are replaced after PostgreSQL restarts.

Rasa 3.6 logs an exception raised by a custom action and carries on ("Bot will continue, but the
actions events are lost"), then saves the half-done turn: the person sees silence or a wrong
answer, and a form may end without its hand-off being stored. Here a failed action raises
`TurnAborted` instead. It is deliberately not an `Exception`, so Rasa's processor lets it through:
the tracker is not saved, the Lotse channel answers 503, and the web app asks the person to try
again. Resending the message replays the turn from the last saved state.

Likewise Rasa's FailSafeTrackerStore answers a failed read with "no such conversation" and a
failed write by keeping the tracker in memory: with the database down, Lotse would greet the
person as a stranger and acknowledge messages that are never stored. Here both raise
`TrackerStoreUnavailable`, so the turn fails with 503 and nothing is acknowledged unsaved.

`install()` wraps `RemoteAction.run` and the tracker store's engine options once per process;
bot/channels.py calls it on import.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core import tracker_store
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.exceptions import RasaException

from lotse.config import get_settings

logger = logging.getLogger(__name__)

#: Pauses before the retries of a call that could not connect (the server never saw it).
CONNECT_RETRY_DELAYS = (0.2, 0.5, 1.0)
_INSTALLED = "_lotse_resilient"


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not be read or written."""


def _raise_unavailable(_store: FailSafeTrackerStore, error: Exception) -> None:
    raise TrackerStoreUnavailable(type(error).__name__) from error


class TurnAborted(BaseException):
    """A custom action failed: stop the turn without saving it."""


def _never_connected(error: BaseException) -> bool:
    """True if the action server refused the connection (so the request was never sent)."""
    cause = error.__cause__ or error.__context__
    return isinstance(cause, aiohttp.ClientConnectorError)


async def run_resiliently(original: Any, action: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """Run `original(action, ...)` with a timeout, retrying refused connections."""
    timeout = get_settings().action_timeout
    for delay in (*CONNECT_RETRY_DELAYS, None):
        try:
            return await asyncio.wait_for(original(action, *args, **kwargs), timeout)
        except ActionExecutionRejection:
            raise  # a form's normal "this slot is not filled" answer
        except asyncio.TimeoutError as error:
            logger.error("Action %s timed out after %.0f s", action.name(), timeout)
            raise TurnAborted(action.name()) from error
        except RasaException as error:
            if delay is not None and _never_connected(error):
                await asyncio.sleep(delay)
                continue
            logger.error("Action %s failed: %s", action.name(), type(error.__context__).__name__)
            raise TurnAborted(action.name()) from error
    raise AssertionError("unreachable")  # pragma: no cover


def _engine_kwargs_with_pre_ping(original: Any) -> Any:
    """Rasa's tracker store engine options plus `pool_pre_ping`: after PostgreSQL restarts,
    stale pooled connections are replaced instead of failing a turn."""

    def engine_kwargs(url: Any) -> dict[str, Any]:
        return {**original(url), "pool_pre_ping": True}

    setattr(engine_kwargs, _INSTALLED, True)
    return engine_kwargs


def install() -> None:
    """Wrap RemoteAction.run, the tracker store's engine options and error handling (once)."""
    FailSafeTrackerStore.on_tracker_store_error = _raise_unavailable  # type: ignore[assignment]
    FailSafeTrackerStore.on_tracker_store_retrieve_error = _raise_unavailable  # type: ignore
    if not getattr(tracker_store.create_engine_kwargs, _INSTALLED, False):
        tracker_store.create_engine_kwargs = _engine_kwargs_with_pre_ping(
            tracker_store.create_engine_kwargs
        )
    if getattr(RemoteAction.run, _INSTALLED, False):
        return
    original = RemoteAction.run

    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        return await run_resiliently(original, self, *args, **kwargs)

    setattr(run, _INSTALLED, True)
    RemoteAction.run = run  # type: ignore[method-assign]
