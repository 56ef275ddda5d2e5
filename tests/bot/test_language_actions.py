"""action_detect_language and action_change_language."""

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.language import ActionChangeLanguage, ActionDetectLanguage
from tests.bot.conftest import user_message


@pytest.mark.parametrize(
    ("text", "current", "expected_events"),
    [
        ("Привет", None, [SlotSet("language", "ru")]),
        ("مرحبا", None, [SlotSet("language", "ar")]),
        ("Hallo", None, [SlotSet("language", "de")]),
        ("ok", "ru", []),
        ("10115", "ar", []),
        ("I am a nurse from Manila", "de", [SlotSet("language", "en")]),
    ],
)
async def test_detect_language_sets_the_slot_only_when_it_changes(
    dispatcher, make_tracker, text, current, expected_events
):
    tracker = make_tracker(slots={"language": current}, latest_message=user_message(text))
    events = await ActionDetectLanguage().run(dispatcher, tracker, {})
    assert events == expected_events
    assert dispatcher.messages == []


async def test_detect_language_uses_the_channel_hint_for_an_ambiguous_first_message(
    dispatcher, make_tracker
):
    message = user_message("ok", intent="affirm", metadata={"language_hint": "pl"})
    tracker = make_tracker(latest_message=message)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == [SlotSet("language", "pl")]


async def test_language_button_payload_switches(dispatcher, make_tracker):
    message = user_message(
        '/change_language{"language":"ar"}',
        intent="change_language",
        entities=[{"entity": "language", "value": "ar"}],
    )
    tracker = make_tracker(slots={"language": "de"}, latest_message=message)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == [SlotSet("language", "ar")]


async def test_explicit_request_switches_even_from_another_script(dispatcher, make_tracker):
    message = user_message("English please", intent="change_language")
    tracker = make_tracker(slots={"language": "ru"}, latest_message=message)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == [SlotSet("language", "en")]


@pytest.mark.parametrize(
    ("confidence", "expected_events"), [(0.3, []), (0.9, [SlotSet("language", "en")])]
)
async def test_only_a_confident_change_language_intent_is_a_switch(
    dispatcher, make_tracker, confidence, expected_events
):
    message = user_message("Englisch", intent="change_language", confidence=confidence)
    tracker = make_tracker(slots={"language": "de"}, latest_message=message)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == expected_events


@pytest.mark.parametrize(
    ("text", "entities", "named"),
    [
        ("po polsku proszę", [], True),
        ('/change_language{"language":"ru"}', [{"entity": "language", "value": "ru"}], True),
        ("andere Sprache bitte", [], False),
        ("/change_language", [], False),
    ],
)
async def test_change_language_tells_whether_a_language_was_named(
    dispatcher, make_tracker, text, entities, named
):
    message = user_message(text, intent="change_language", entities=entities)
    tracker = make_tracker(slots={"language": "de"}, latest_message=message)
    events = await ActionChangeLanguage().run(dispatcher, tracker, {})
    assert events == [SlotSet("language_named", named)]
