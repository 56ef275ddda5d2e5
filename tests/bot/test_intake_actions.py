"""The intake actions: facts from messages, the form's questions, the result."""

import pytest
from rasa_sdk.events import SlotSet

from bot.actions import names
from bot.actions.intake import (
    ActionAskLand,
    ActionAskOccupationId,
    ActionExtractFacts,
    ActionShowResult,
    ValidateRecognitionForm,
)
from bot.actions.texts import render
from tests.bot.conftest import user_message


def slots_of(events) -> dict:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


async def test_all_facts_at_once(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "de"},
        latest_message=user_message(
            "Ich bin Krankenschwester aus Syrien und wohne in Leipzig", intent="inform"
        ),
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert slots["occupation_id"] == "pflegefachkraft"
    assert slots["occupation_text"] == "Ich bin Krankenschwester aus Syrien und wohne in Leipzig"
    assert (slots["country"], slots["residence"], slots["home_land"], slots["land"]) == (
        "SY",
        "germany",
        "SN",
        "SN",
    )
    assert len(slots["location"]) == 2
    assert dispatcher.messages == []


async def test_a_correction_replaces_the_land(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "en", "land": "SN", "home_land": "SN", "residence": "germany"},
        latest_message=user_message("no, I live in Hamburg now", intent="inform"),
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert (slots["home_land"], slots["land"]) == ("HH", "HH")


async def test_the_place_of_work_decides_over_the_home(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "en", "work_land": "BW"},
        latest_message=user_message("I live in Mainz", intent="inform"),
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert (slots["home_land"], slots["land"]) == ("RP", "BW")


async def test_a_place_given_from_abroad_is_where_they_want_to_work(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "ru", "residence": "abroad", "requested_slot": "land"},
        latest_message=user_message("Мюнхен", intent="inform"),
        active_loop="recognition_form",
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert (slots["work_land"], slots["land"]) == ("BY", "BY")
    assert "home_land" not in slots and "residence" not in slots


async def test_a_bare_place_leaves_the_residence_question_open(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "de", "requested_slot": "land"},
        latest_message=user_message("Köln", intent="inform"),
        active_loop="recognition_form",
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert (slots["home_land"], slots["land"]) == ("NW", "NW")
    assert "residence" not in slots


async def test_an_unsure_occupation_gives_candidates(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "en", "requested_slot": "occupation_id"},
        latest_message=user_message("engineer", intent="inform"),
        active_loop="recognition_form",
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert "occupation_id" not in slots
    assert 1 <= len(slots["occupation_candidates"]) <= names.MAX_OCCUPATION_BUTTONS


async def test_a_button_payload_fills_the_occupation(dispatcher, make_tracker):
    message = user_message(
        '/inform{"occupation_id":"bauingenieur"}',
        intent="inform",
        entities=[{"entity": "occupation_id", "value": "bauingenieur"}],
    )
    tracker = make_tracker(slots={"language": "en"}, latest_message=message)
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert slots == {
        "occupation_id": "bauingenieur",
        "occupation_score": 100.0,
        "occupation_candidates": [],
    }


@pytest.mark.parametrize(("intent", "residence"), [("affirm", "germany"), ("deny", "abroad")])
async def test_yes_or_no_answers_the_residence_question(
    dispatcher, make_tracker, intent, residence
):
    tracker = make_tracker(
        slots={"requested_slot": "residence"},
        latest_message=user_message("yes" if intent == "affirm" else "no", intent=intent),
        active_loop="recognition_form",
    )
    assert slots_of(await ActionExtractFacts().run(dispatcher, tracker, {})) == {
        "residence": residence
    }


@pytest.mark.parametrize("intent", ["faq_costs", "greet", "out_of_scope"])
async def test_questions_carry_no_facts(dispatcher, make_tracker, intent):
    tracker = make_tracker(
        slots={"requested_slot": "land"},
        latest_message=user_message("how much does it cost in Berlin", intent=intent),
        active_loop="recognition_form",
    )
    assert await ActionExtractFacts().run(dispatcher, tracker, {}) == []


async def test_a_miss_is_counted_so_the_form_asks_again(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"requested_slot": "occupation_id", "occupation_misses": 1},
        latest_message=user_message("blabla", intent="inform"),
        active_loop="recognition_form",
    )
    events = await ValidateRecognitionForm().run(dispatcher, tracker, {"forms": {}, "slots": {}})
    assert SlotSet("last_miss", "occupation_id") in events
    assert SlotSet("occupation_misses", 2) in events


async def test_an_interruption_is_not_a_miss(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"requested_slot": "occupation_id"},
        latest_message=user_message("what does it cost", intent="faq_costs"),
        active_loop="recognition_form",
    )
    events = await ValidateRecognitionForm().run(dispatcher, tracker, {"forms": {}, "slots": {}})
    assert not [e for e in events if e.get("name") in ("last_miss", "occupation_misses")]


async def test_ask_occupation_offers_candidates_with_none_of_these(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "ar", "occupation_candidates": ["bauingenieur", "elektroingenieur"]}
    )
    assert await ActionAskOccupationId().run(dispatcher, tracker, {}) == []
    [message] = dispatcher.messages
    assert message["text"] == render("utter_occupation_candidates", "ar")["text"]
    payloads = [button["payload"] for button in message["buttons"]]
    assert payloads == [
        '/inform{"occupation_id":"bauingenieur"}',
        '/inform{"occupation_id":"elektroingenieur"}',
        "/none_of_these",
    ]
    assert "Bauingenieur" in message["buttons"][0]["title"]  # the German title stays visible


async def test_after_two_misses_a_counsellor_is_offered(dispatcher, make_tracker):
    tracker = make_tracker(slots={"language": "ru", "occupation_misses": 2})
    events = await ActionAskOccupationId().run(dispatcher, tracker, {})
    assert (
        dispatcher.messages[0]["text"] == render("utter_occupation_offer_counsellor", "ru")["text"]
    )
    assert "/human_handoff" in [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert events == [SlotSet("occupation_misses", 0)]


@pytest.mark.parametrize(
    ("slots", "response"),
    [
        ({"language": "pl"}, "utter_ask_land"),
        ({"language": "pl", "residence": "abroad"}, "utter_ask_land_abroad"),
        ({"language": "pl", "last_miss": "land"}, "utter_place_not_found"),
    ],
)
async def test_ask_land_fits_the_situation(dispatcher, make_tracker, slots, response):
    await ActionAskLand().run(dispatcher, make_tracker(slots=slots), {})
    assert dispatcher.messages[0]["text"] == render(response, "pl")["text"]


async def test_show_result_speaks_the_persons_language(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "en", "occupation_id": "arzt", "land": "BE", "residence": "germany"}
    )
    events = await ActionShowResult().run(dispatcher, tracker, {})
    assert events == [SlotSet("handoff_kind", "recognition")]
    texts = [message["text"] for message in dispatcher.messages]
    assert texts[0].startswith(render("utter_result_occupation", "en")["text"][:20])
    assert any("Landesamt für Gesundheit und Soziales Berlin" in text for text in texts)
    assert "doctor" in texts[0] and "Ärztin / Arzt" in texts[0]


async def test_a_plain_answer_counts_whatever_the_nlu_thought(dispatcher, make_tracker):
    tracker = make_tracker(
        slots={"language": "de", "requested_slot": "land"},
        latest_message=user_message("Bonn", intent="goodbye"),
        active_loop="recognition_form",
    )
    slots = slots_of(await ActionExtractFacts().run(dispatcher, tracker, {}))
    assert slots["land"] == "NW"
