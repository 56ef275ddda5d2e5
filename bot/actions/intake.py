"""The intake: facts from every message, the questions of the recognition form, the result."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import names
from bot.actions.texts import utter
from lotse.guidance import facts as guidance_facts
from lotse.guidance.result import recognition_result
from lotse.knowledge import load_knowledge

#: Forms whose questions the person's next message may answer.
_FORMS = frozenset({names.FORM_RECOGNITION, names.FORM_LABOUR, names.FORM_HANDOFF})


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest user message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def expected_slot(tracker: Tracker) -> str | None:
    """The slot a form has just asked for, if a form is active."""
    if (tracker.active_loop or {}).get("name") in _FORMS:
        return tracker.get_slot(names.SLOT_REQUESTED)
    return None


def fact_events(tracker: Tracker) -> list[EventType]:
    """Slot events for every fact in the latest message (text or button payload)."""
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    intent = latest_intent(tracker)
    expecting = expected_slot(tracker)
    if intent not in names.ANSWER_INTENTS | names.PLACE_INTENTS:
        # Questions and small talk carry no facts, unless the message gives exactly what was
        # asked for ("Bonn" may look like "bye" to the NLU, but it answers "where do you live?").
        return _expected_fact_only(tracker, text, expecting)
    slots: dict[str, Any] = {}
    payload_occupation = next(tracker.get_latest_entity_values(names.ENTITY_OCCUPATION_ID), None)
    payload_residence = next(tracker.get_latest_entity_values(names.ENTITY_RESIDENCE), None)
    if payload_occupation in load_knowledge().occupations:
        slots[names.SLOT_OCCUPATION_ID] = payload_occupation
        slots[names.SLOT_OCCUPATION_SCORE] = 100.0
        slots[names.SLOT_OCCUPATION_CANDIDATES] = []
    if payload_residence in (guidance_facts.GERMANY, guidance_facts.ABROAD):
        slots[names.SLOT_RESIDENCE] = payload_residence
    elif expecting == names.SLOT_RESIDENCE and intent in (names.INTENT_AFFIRM, names.INTENT_DENY):
        # "Do you already live in Germany?" - "yes" / "no"
        slots[names.SLOT_RESIDENCE] = (
            guidance_facts.GERMANY if intent == names.INTENT_AFFIRM else guidance_facts.ABROAD
        )
    if text.startswith("/"):
        return [SlotSet(slot, value) for slot, value in slots.items()]

    found = guidance_facts.extract(text, tracker.get_slot(names.SLOT_LANGUAGE), expecting)
    if intent in names.ANSWER_INTENTS:
        slots.update(_occupation_slots(found.occupation, text, expecting, intent, tracker))
        if found.country:
            slots[names.SLOT_COUNTRY] = found.country
    residence = found.residence or slots.get(names.SLOT_RESIDENCE)
    home, work = found.home, found.work
    still_abroad = (residence or tracker.get_slot(names.SLOT_RESIDENCE)) == guidance_facts.ABROAD
    if home and still_abroad and found.residence != guidance_facts.GERMANY:
        home, work = None, work or home  # a place named from abroad is where they want to work
    if home and home.land:
        slots[names.SLOT_HOME_LAND] = home.land  # residence stays open unless they said so
    if work and work.land:
        slots[names.SLOT_WORK_LAND] = work.land
    if residence:
        slots[names.SLOT_RESIDENCE] = residence
    place = work or home
    if place and place.land:
        slots[names.SLOT_LAND] = (
            slots.get(names.SLOT_WORK_LAND) or tracker.get_slot(names.SLOT_WORK_LAND) or place.land
        )
        if place.lat or place.lon:
            slots[names.SLOT_LOCATION] = [place.lat, place.lon]
    return [SlotSet(slot, value) for slot, value in slots.items()]


def _expected_fact_only(tracker: Tracker, text: str, expecting: str | None) -> list[EventType]:
    """Fill the slot a form asked for when a short message plainly answers it ("Bonn")."""
    if (
        expecting not in (names.SLOT_LAND, names.SLOT_COUNTRY)
        or text.startswith("/")
        or len(text.split()) > names.PLAIN_ANSWER_MAX_WORDS
    ):
        return []
    found = guidance_facts.extract(text, tracker.get_slot(names.SLOT_LANGUAGE), expecting)
    if expecting == names.SLOT_COUNTRY and found.country:
        return [SlotSet(names.SLOT_COUNTRY, found.country)]
    place = found.work or found.home
    if expecting == names.SLOT_LAND and place and place.land:
        events = [SlotSet(names.SLOT_LAND, place.land)]
        if place.lat or place.lon:
            events.append(SlotSet(names.SLOT_LOCATION, [place.lat, place.lon]))
        return events
    return []


def _occupation_slots(
    occupation: Any, text: str, expecting: str | None, intent: str | None, tracker: Tracker
) -> dict[str, Any]:
    """Occupation slots from a match: a confident match fills the slot, else offer candidates."""
    if intent == names.INTENT_NONE_OF_THESE:
        return {names.SLOT_OCCUPATION_CANDIDATES: []}
    if occupation is None:
        return {}
    best = occupation.best
    if best is not None:
        return {
            names.SLOT_OCCUPATION_ID: best.id,
            names.SLOT_OCCUPATION_TEXT: text,
            names.SLOT_OCCUPATION_SCORE: round(best.score, 1),
            names.SLOT_OCCUPATION_CANDIDATES: [],
        }
    if expecting == names.SLOT_OCCUPATION_ID or tracker.get_slot(names.SLOT_OCCUPATION_ID) is None:
        ids = [c.id for c in occupation.candidates[: names.MAX_OCCUPATION_BUTTONS]]
        return {names.SLOT_OCCUPATION_CANDIDATES: ids, names.SLOT_OCCUPATION_TEXT: text}
    return {}


class ActionExtractFacts(Action):
    """Take every fact in the latest message (a custom slot mapping, run after each message)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_EXTRACT_FACTS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Slot events for the facts found; nothing is said."""
        return fact_events(tracker)


class ValidateRecognitionForm(FormValidationAction):
    """Count failed answers, so that the form asks again (helpfully) instead of giving up."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.VALIDATE_RECOGNITION_FORM

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Record a miss when an answer did not fill the slot that was asked for."""
        events = await super().run(dispatcher, tracker, domain)
        requested = tracker.get_slot(names.SLOT_REQUESTED)
        if latest_intent(tracker) not in names.ANSWER_INTENTS or requested is None:
            return events  # an interruption: let the rules answer it
        filled = tracker.slots_to_validate()
        if requested in filled and filled[requested] is not None:
            return [*events, SlotSet(names.SLOT_LAST_MISS, None)]
        events.append(SlotSet(names.SLOT_LAST_MISS, requested))
        if requested == names.SLOT_OCCUPATION_ID and (
            latest_intent(tracker) == names.INTENT_NONE_OF_THESE
            or not filled.get(names.SLOT_OCCUPATION_CANDIDATES)
        ):
            misses = (tracker.get_slot(names.SLOT_OCCUPATION_MISSES) or 0) + 1
            events.append(SlotSet(names.SLOT_OCCUPATION_MISSES, misses))
        return events


class ActionAskOccupationId(Action):
    """Ask for the occupation: plainly, with candidate buttons, or offering a counsellor."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_OCCUPATION_ID

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the question that fits how the intake has gone so far."""
        misses = tracker.get_slot(names.SLOT_OCCUPATION_MISSES) or 0
        candidates = tracker.get_slot(names.SLOT_OCCUPATION_CANDIDATES) or []
        if misses >= names.MAX_OCCUPATION_MISSES:
            utter(dispatcher, tracker, names.UTTER_OCCUPATION_OFFER_COUNSELLOR)
            return [SlotSet(names.SLOT_OCCUPATION_MISSES, 0)]
        if candidates:
            buttons = candidate_buttons(candidates, tracker.get_slot(names.SLOT_LANGUAGE))
            utter(dispatcher, tracker, names.UTTER_OCCUPATION_CANDIDATES, buttons=buttons)
        elif tracker.get_slot(names.SLOT_LAST_MISS) == names.SLOT_OCCUPATION_ID:
            utter(dispatcher, tracker, names.UTTER_OCCUPATION_NOT_FOUND)
        else:
            utter(dispatcher, tracker, names.UTTER_ASK_OCCUPATION)
        return []


NONE_OF_THESE_TITLES = {
    "de": "Keiner davon",
    "en": "None of these",
    "ar": "لا شيء مما سبق",
    "ru": "Ничего из этого",
    "pl": "Żaden z nich",
}


def candidate_buttons(candidate_ids: list[str], language: str | None) -> list[dict[str, str]]:
    """Buttons for candidate occupations (title in the person's language + German title)."""
    knowledge = load_knowledge()
    language = language or "de"
    buttons = []
    for occupation_id in candidate_ids:
        occupation = knowledge.occupation(occupation_id)
        if occupation is None:
            continue
        title = occupation.title(language)
        label = title if language == "de" else f"{title} ({occupation.title_de})"
        payload = f'/inform{{"{names.ENTITY_OCCUPATION_ID}":"{occupation_id}"}}'
        buttons.append({"title": label, "payload": payload})
    none_title = NONE_OF_THESE_TITLES.get(language, NONE_OF_THESE_TITLES["de"])
    buttons.append({"title": none_title, "payload": f"/{names.INTENT_NONE_OF_THESE}"})
    return buttons


class ActionAskCountry(Action):
    """Ask where the qualification was obtained (again, if the answer was not understood)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_COUNTRY

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the fitting question."""
        missed = tracker.get_slot(names.SLOT_LAST_MISS) == names.SLOT_COUNTRY
        utter(
            dispatcher,
            tracker,
            names.UTTER_COUNTRY_NOT_FOUND if missed else names.UTTER_ASK_COUNTRY,
        )
        return []


class ActionAskResidence(Action):
    """Ask whether the person already lives in Germany (buttons)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_RESIDENCE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the question."""
        utter(dispatcher, tracker, names.UTTER_ASK_RESIDENCE)
        return []


class ActionAskLand(Action):
    """Ask where the person lives, works, or wants to work (when still abroad)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_LAND

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the fitting question."""
        if tracker.get_slot(names.SLOT_LAST_MISS) == names.SLOT_LAND:
            response = names.UTTER_PLACE_NOT_FOUND
        elif (tracker.active_loop or {}).get("name") == names.FORM_LABOUR:
            response = names.UTTER_ASK_LAND_LABOUR
        elif tracker.get_slot(names.SLOT_RESIDENCE) == guidance_facts.ABROAD:
            response = names.UTTER_ASK_LAND_ABROAD
        else:
            response = names.UTTER_ASK_LAND
        utter(dispatcher, tracker, response)
        return []


class ActionShowResult(Action):
    """Tell the person their reference occupation, its rules, the authority and the next steps."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_SHOW_RESULT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the result, part by part, in the person's language."""
        utterances = recognition_result(
            load_knowledge(),
            occupation_id=tracker.get_slot(names.SLOT_OCCUPATION_ID) or "",
            language=tracker.get_slot(names.SLOT_LANGUAGE) or "de",
            land=tracker.get_slot(names.SLOT_LAND),
            country=tracker.get_slot(names.SLOT_COUNTRY),
            residence=tracker.get_slot(names.SLOT_RESIDENCE),
            home_land=tracker.get_slot(names.SLOT_HOME_LAND),
            work_land=tracker.get_slot(names.SLOT_WORK_LAND),
        )
        for utterance in utterances:
            utter(dispatcher, tracker, utterance.response, **utterance.variables)
        return [SlotSet(names.SLOT_HANDOFF_KIND, "recognition")]
