"""Conversation-level actions: starting over."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import names


class ActionRestartConversation(Action):
    """Forget everything the person told so far, but keep talking in their language."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_RESTART_CONVERSATION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Reset all slots except the language (the rule has already said so)."""
        events: list[EventType] = [AllSlotsReset()]
        if language := tracker.get_slot(names.SLOT_LANGUAGE):
            events.append(SlotSet(names.SLOT_LANGUAGE, language))
        return events
