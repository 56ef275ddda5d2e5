"""Erasing conversations from Rasa's tracker store: on request, and when they have been idle.

Only the SQL tracker store (Lotse's default and PostgreSQL) and the in-memory store (tests) are
supported; any other store raises NotImplementedError rather than silently keeping data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from sqlalchemy import func

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400


def inner_store(store: TrackerStore) -> TrackerStore:
    """The actual store inside Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def erase_conversation(store: TrackerStore, sender_id: str) -> None:
    """Delete every stored event of one conversation (a deletion request)."""
    erase_conversations(store, [sender_id])
    logger.info("Erased a conversation on request")


def erase_conversations(store: TrackerStore, sender_ids: Iterable[str]) -> int:
    """Delete every stored event of these conversations; return how many conversations."""
    sender_ids = list(dict.fromkeys(sender_ids))
    inner = inner_store(store)
    if isinstance(inner, SQLTrackerStore):
        with inner.session_scope() as session:
            for start in range(0, len(sender_ids), 500):  # bounded IN lists
                chunk = sender_ids[start : start + 500]
                session.query(inner.SQLEvent).filter(inner.SQLEvent.sender_id.in_(chunk)).delete(
                    synchronize_session=False
                )
            session.commit()
        return len(sender_ids)
    if isinstance(inner, InMemoryTrackerStore):
        return sum(inner.store.pop(sender_id, None) is not None for sender_id in sender_ids)
    raise NotImplementedError(f"erasing conversations from {type(inner).__name__}")


async def idle_conversations(
    store: TrackerStore, idle_days: float, now: float | None = None
) -> list[str]:
    """Sender ids of the conversations whose latest event is older than `idle_days` days."""
    cutoff = (now if now is not None else time.time()) - idle_days * SECONDS_PER_DAY
    inner = inner_store(store)
    if isinstance(inner, SQLTrackerStore):
        with inner.session_scope() as session:
            latest = func.max(inner.SQLEvent.timestamp)
            rows = (
                session.query(inner.SQLEvent.sender_id)
                .group_by(inner.SQLEvent.sender_id)
                .having(latest < cutoff)
                .all()
            )
            return [sender_id for (sender_id,) in rows]
    if isinstance(inner, InMemoryTrackerStore):
        idle = []
        for sender_id in list(await inner.keys()):
            tracker = await inner.retrieve_full_tracker(sender_id)
            if tracker is not None and tracker.events and tracker.events[-1].timestamp < cutoff:
                idle.append(sender_id)
        return idle
    raise NotImplementedError(f"listing conversations of {type(inner).__name__}")


async def expire_conversations(store: TrackerStore, idle_days: float, keep: Iterable[str]) -> int:
    """Erase conversations idle for more than `idle_days` days, except `keep`; return how many."""
    keep = set(keep)
    expired = [s for s in await idle_conversations(store, idle_days) if s not in keep]
    if not expired:
        return 0
    count = erase_conversations(store, expired)
    logger.info("Erased %d idle conversations", count)
    return count
