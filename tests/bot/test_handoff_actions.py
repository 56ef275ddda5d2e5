"""Hand-off actions against a real SQLite app database."""

import json

import pytest
from rasa_sdk.events import AllSlotsReset, SlotSet

from bot.actions import names
from bot.actions.handoff import (
    ActionAskHandoffConsent,
    ActionCancelHandoff,
    ActionCreateHandoff,
    ActionDeleteConversation,
    ActionLabourCentre,
    ActionOfferHandoff,
    ValidateHandoffForm,
)
from bot.actions.texts import render
from lotse.config import get_settings
from lotse.store.handoffs import handoffs_of
from tests.bot.conftest import user_message

CASE = {
    "language": "ru",
    "occupation_id": "arzt",
    "occupation_text": "я врач из Харькова",
    "occupation_score": 100.0,
    "country": "UA",
    "land": "SN",
    "location": [51.34, 12.37],
    "handoff_kind": "recognition",
}
EVENTS = [
    {"event": "user", "text": "я врач из Харькова", "timestamp": 1.0,
     "metadata": {"channel": "telegram"}, "parse_data": {"intent": {"name": "inform"}}},
    {"event": "bot", "text": "Ваша референтная профессия …", "timestamp": 2.0},
]  # fmt: skip


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    """Every test gets its own app database."""
    monkeypatch.setattr(get_settings(), "database_url", f"sqlite:///{tmp_path}/lotse.db")


async def test_offer_names_the_nearest_verified_centre(dispatcher, make_tracker):
    events = await ActionOfferHandoff().run(dispatcher, make_tracker(slots=CASE), {})
    [event] = events
    assert event["name"] == "handoff_centre" and event["value"] != "unassigned"
    assert "км" in dispatcher.messages[0]["text"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]


async def test_consent_question_says_to_whom(dispatcher, make_tracker):
    await ActionAskHandoffConsent().run(dispatcher, make_tracker(slots=CASE), {})
    assert "Leipzig" in dispatcher.messages[0]["text"]


async def test_handoff_is_stored_only_with_consent(dispatcher, make_tracker):
    tracker = make_tracker(slots={**CASE, "handoff_consent": False}, sender_id="tg-1")
    await ActionCreateHandoff().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_handoff_declined",
        "utter_anything_else",
    ]
    assert handoffs_of("tg-1") == []


async def test_handoff_with_consent_stores_case_sheet_and_transcript(dispatcher, make_tracker):
    slots = {**CASE, "handoff_consent": True, "contact_channel": "email",
             "contact_value": "olena@example.org"}  # fmt: skip
    tracker = make_tracker(slots=slots, events=EVENTS, sender_id="tg-2")
    events = await ActionCreateHandoff().run(dispatcher, tracker, {})
    [stored] = handoffs_of("tg-2")
    assert SlotSet("handoff_ref", stored.ref) in events
    assert (stored.channel, stored.language, stored.occupation_id, stored.country) == (
        "telegram", "ru", "arzt", "UA"
    )  # fmt: skip
    assert (stored.regulated, stored.land, stored.contact_value) == (
        "yes",
        "SN",
        "olena@example.org",
    )
    assert json.loads(stored.transcript)[0] == {
        "role": "person", "text": "я врач из Харькова", "at": 1.0, "intent": "inform"
    }  # fmt: skip
    assert stored.ref in dispatcher.messages[0]["text"]
    assert "электронная почта" in dispatcher.messages[0]["text"]


async def test_cancel_deletes_the_handoff(dispatcher, make_tracker):
    slots = {**CASE, "handoff_consent": True, "contact_channel": "chat"}
    await ActionCreateHandoff().run(dispatcher, make_tracker(slots=slots, sender_id="w-1"), {})
    [stored] = handoffs_of("w-1")
    tracker = make_tracker(slots={"language": "ru", "handoff_ref": stored.ref}, sender_id="w-1")
    assert await ActionCancelHandoff().run(dispatcher, tracker, {}) == [
        SlotSet("handoff_ref", None)
    ]
    assert handoffs_of("w-1") == []
    assert dispatcher.messages[-1]["text"] == render("utter_handoff_cancelled", "ru")["text"]


async def test_nothing_to_cancel(dispatcher, make_tracker):
    assert (
        await ActionCancelHandoff().run(dispatcher, make_tracker(slots={"language": "pl"}), {})
        == []
    )
    assert dispatcher.messages[0]["text"] == render("utter_nothing_to_cancel", "pl")["text"]


async def test_delete_removes_every_handoff_and_asks_the_channel_to_erase(dispatcher, make_tracker):
    slots = {**CASE, "handoff_consent": True, "contact_channel": "chat"}
    await ActionCreateHandoff().run(dispatcher, make_tracker(slots=slots, sender_id="w-2"), {})
    events = await ActionDeleteConversation().run(
        dispatcher, make_tracker(slots=CASE, sender_id="w-2"), {}
    )
    assert events == [AllSlotsReset()]
    assert handoffs_of("w-2") == []
    assert dispatcher.messages[-1]["custom"] == names.ERASE_CONVERSATION


@pytest.mark.parametrize(
    ("channel", "value", "valid"),
    [
        ("email", "olena@example.org", True),
        ("email", "olena@", False),
        ("phone", "+49 341 1234567", True),
        ("phone", "call me", False),
    ],
)
async def test_contact_details_are_checked(dispatcher, make_tracker, channel, value, valid):
    tracker = make_tracker(slots={"language": "de", "contact_channel": channel})
    result = ValidateHandoffForm().validate_contact_value(value, dispatcher, tracker, {})
    assert result == {"contact_value": value if valid else None}
    assert bool(dispatcher.messages) is not valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("per Mail bitte", {"contact_channel": "email"}),
        ("olena@example.org", {"contact_channel": "email", "contact_value": "olena@example.org"}),
        ("по телефону", {"contact_channel": "phone"}),
        ("tutaj na czacie", {"contact_channel": "chat"}),
    ],
)
async def test_typed_contact_channel(dispatcher, make_tracker, text, expected):
    tracker = make_tracker(
        slots={"requested_slot": "contact_channel"},
        latest_message=user_message(text, intent="inform"),
        active_loop="handoff_form",
    )
    assert await ValidateHandoffForm().extract_contact_channel(dispatcher, tracker, {}) == expected


@pytest.mark.parametrize(
    ("consent", "channel", "expected"),
    [
        (False, None, ["land", "handoff_consent"]),
        (True, "chat", ["land", "handoff_consent", "contact_channel"]),
        (True, "email", ["land", "handoff_consent", "contact_channel", "contact_value"]),
    ],
)
async def test_only_the_questions_that_apply(dispatcher, make_tracker, consent, channel, expected):
    tracker = make_tracker(slots={"handoff_consent": consent, "contact_channel": channel})
    slots = ["land", "handoff_consent", "contact_channel", "contact_value"]
    assert await ValidateHandoffForm().required_slots(slots, dispatcher, tracker, {}) == expected


async def test_labour_route_never_uses_another_lands_centre(dispatcher, make_tracker):
    tracker = make_tracker(slots={"language": "en", "land": "NI", "location": [52.37, 9.73]})
    events = await ActionLabourCentre().run(dispatcher, tracker, {})
    assert events == [SlotSet("handoff_kind", "fair-integration")]
    first = dispatcher.messages[0]["text"]
    assert first == render("utter_labour_centre_unknown", "en", land_name="Niedersachsen")["text"]
    assert "110" in dispatcher.messages[-1]["text"]
