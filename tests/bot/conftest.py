"""Fixtures for custom-action tests: a dispatcher and trackers built in code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """Collects what an action utters."""
    return CollectingDispatcher()


def user_message(
    text: str,
    intent: str = "greet",
    confidence: float = 0.99,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The `latest_message` (parse data) of a user message."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": metadata or {},
    }


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """Build a tracker whose whole state is visible in the test."""

    def make(
        slots: dict[str, Any] | None = None,
        latest_message: dict | None = None,
        active_loop: str | None = None,
        events: list[dict[str, Any]] | None = None,
        sender_id: str = "test-sender",
    ) -> Tracker:
        return Tracker(
            sender_id,
            slots or {},
            latest_message or {},
            events or [],
            False,
            None,
            {"name": active_loop} if active_loop else {},
            "action_listen",
        )

    return make
