"""The `language` slot: decided on every user message, switched on request."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import names
from lotse import languages


def requested_language(tracker: Tracker) -> str | None:
    """The language the latest message asks for (a button payload, "English please")."""
    entity = next(tracker.get_latest_entity_values(names.ENTITY_LANGUAGE), None)
    if entity in languages.SUPPORTED:
        return entity
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    if (
        intent.get("name") == names.INTENT_CHANGE_LANGUAGE
        and (intent.get("confidence") or 0.0) >= names.CHANGE_LANGUAGE_MIN_CONFIDENCE
    ):
        return languages.requested_language(message.get("text") or "")
    return None


class ActionDetectLanguage(Action):
    """Fill the `language` slot after every user message (a custom slot mapping).

    An explicit request wins; otherwise `lotse.languages.decide` weighs the text, the channel's
    hint and the language of the conversation so far.
    """

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_DETECT_LANGUAGE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Return a SlotSet when the conversation's language is new or changes."""
        current = tracker.get_slot(names.SLOT_LANGUAGE)
        message = tracker.latest_message or {}
        metadata = message.get("metadata") or {}
        language = requested_language(tracker) or languages.decide(
            message.get("text") or "", current, hint=metadata.get("language_hint")
        )
        return [] if language == current else [SlotSet(names.SLOT_LANGUAGE, language)]


class ActionChangeLanguage(Action):
    """Tell the rules whether the request named a language (confirm) or not (offer all five)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_CHANGE_LANGUAGE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Set `language_named`; the slot `language` was already switched by extraction."""
        return [SlotSet(names.SLOT_LANGUAGE_NAMED, requested_language(tracker) is not None)]
