"""One message of the Lotse channel, handled with Rasa's own single tracker read and save.

The channel must know, before Rasa reads the conversation, whether a counsellor has paused it
(a pause outlives a session restart; "/delete" resumes it first), and, after Rasa has saved it,
the conversation's language and whether it is paused. Reading the tracker for that before and
after the message cost two more tracker-store reads per message (about a sixth of the Rasa
server's CPU time per turn, measured with ``lotse bench load``). Instead, the channel opens a
`Turn` around the message, and the processor's own read and save report to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ConversationPaused, ConversationResumed
from rasa.shared.core.trackers import DialogueStateTracker

_MARK = "_lotse_turn"


@dataclass
class Turn:
    """One incoming message: what the channel asks of Rasa's processor and what it learns."""

    sender_id: str
    #: Resume a paused conversation before the message is handled (a deletion request).
    resume: bool = False
    #: Whether a paused conversation was resumed for it.
    resumed: bool = False
    #: The conversation as the processor last saved it in this turn.
    tracker: DialogueStateTracker | None = None


_current: ContextVar[Turn | None] = ContextVar("lotse_turn", default=None)


@contextmanager
def turn(sender_id: str, resume: bool = False) -> Iterator[Turn]:
    """Open a turn for the messages of `sender_id` handled inside the block."""
    current = Turn(sender_id, resume)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def _this_turn(sender_id: str) -> Turn | None:
    current = _current.get()
    return current if current is not None and current.sender_id == sender_id else None


async def fetch_tracker_and_update_session(
    processor: MessageProcessor,
    sender_id: str,
    output_channel: OutputChannel | None = None,
    metadata: dict[str, Any] | None = None,
) -> DialogueStateTracker:
    """Rasa's fetch (read, then start a new session if the old one expired), keeping a pause.

    A session start clears a pause, so a conversation paused by a counsellor is paused again in
    its new session; within a turn opened with `resume=True` it is resumed instead.
    """
    tracker = await processor.get_tracker(sender_id)
    paused = tracker.is_paused()
    current = _this_turn(sender_id)
    if paused and current is not None and current.resume:
        tracker.update(ConversationResumed(), processor.domain)
        current.resumed, paused = True, False
    await processor._update_tracker_session(tracker, output_channel, metadata)
    if paused and not tracker.is_paused():
        tracker.update(ConversationPaused(), processor.domain)
    return tracker


async def save_tracker(
    processor: MessageProcessor, tracker: DialogueStateTracker, original: Any
) -> None:
    """Rasa's save; the saved conversation is handed to the channel's turn."""
    await original(processor, tracker)
    current = _this_turn(tracker.sender_id)
    if current is not None:
        current.tracker = tracker


def install() -> None:
    """Route the processor's read and save through this module (once per process)."""
    if getattr(MessageProcessor.save_tracker, _MARK, False):
        return
    original_save = MessageProcessor.save_tracker

    async def save(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
        await save_tracker(self, tracker, original_save)

    setattr(save, _MARK, True)
    MessageProcessor.save_tracker = save
    MessageProcessor.fetch_tracker_and_update_session = fetch_tracker_and_update_session
