"""The pause kept across a session restart, "/delete" resuming it, and the saved tracker handed
to the channel's turn (bot/turns.py). The processor here holds real trackers and Rasa's events;
only its model-dependent parts are left out (the full path runs in tests/e2e/test_takeover.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import turns


class Processor:
    """The parts of Rasa's processor the turn functions use; `expired` starts a new session."""

    def __init__(self, tracker: DialogueStateTracker, expired: bool = False) -> None:
        self.domain = Domain.empty()
        self.stored = tracker
        self.expired = expired
        self.saved: list[DialogueStateTracker] = []

    async def get_tracker(self, sender_id: str) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(sender_id, list(self.stored.events))

    async def _update_tracker_session(self, tracker: DialogueStateTracker, *_: Any) -> None:
        if self.expired:  # what action_session_start appends
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))


async def original_save(processor: Processor, tracker: DialogueStateTracker) -> None:
    processor.saved.append(tracker)


def conversation(paused: bool) -> DialogueStateTracker:
    events = [UserUttered("hallo"), *([ConversationPaused()] if paused else [])]
    return DialogueStateTracker.from_events("web-a", events)


async def fetch(processor: Processor, sender_id: str = "web-a") -> DialogueStateTracker:
    return await turns.fetch_tracker_and_update_session(processor, sender_id)


@pytest.mark.parametrize("expired", [False, True])
async def test_a_paused_conversation_stays_paused(expired: bool) -> None:
    processor = Processor(conversation(paused=True), expired=expired)
    with turns.turn("web-a") as current:
        tracker = await fetch(processor)
    assert tracker.is_paused()
    assert not current.resumed
    assert any(isinstance(e, SessionStarted) for e in tracker.events) is expired


async def test_a_running_conversation_is_not_paused_by_a_new_session() -> None:
    tracker = await fetch(Processor(conversation(paused=False), expired=True))
    assert not tracker.is_paused()


@pytest.mark.parametrize("expired", [False, True])
async def test_a_deletion_request_resumes_a_paused_conversation(expired: bool) -> None:
    processor = Processor(conversation(paused=True), expired=expired)
    with turns.turn("web-a", resume=True) as current:
        tracker = await fetch(processor)
    assert not tracker.is_paused()
    assert current.resumed


async def test_resume_only_for_the_turns_own_sender() -> None:
    processor = Processor(conversation(paused=True))
    with turns.turn("web-b", resume=True) as current:
        tracker = await fetch(processor)
    assert tracker.is_paused()
    assert not current.resumed


async def test_a_running_conversation_is_not_marked_resumed() -> None:
    with turns.turn("web-a", resume=True) as current:
        await fetch(Processor(conversation(paused=False)))
    assert not current.resumed


async def test_the_saved_tracker_reaches_the_turn_and_nothing_else() -> None:
    processor = Processor(conversation(paused=False))
    tracker = conversation(paused=False)
    other = DialogueStateTracker.from_events("web-b", [])
    with turns.turn("web-a") as current:
        await turns.save_tracker(processor, other, original_save)
        assert current.tracker is None
        await turns.save_tracker(processor, tracker, original_save)
        assert current.tracker is tracker
    await turns.save_tracker(processor, tracker, original_save)  # outside a turn: only saved
    assert processor.saved == [other, tracker, tracker]


def test_install_routes_rasas_processor_through_the_turn() -> None:
    turns.install()
    turns.install()  # a second install changes nothing
    assert MessageProcessor.fetch_tracker_and_update_session is (
        turns.fetch_tracker_and_update_session
    )
    assert getattr(MessageProcessor.save_tracker, "_lotse_turn", False)
