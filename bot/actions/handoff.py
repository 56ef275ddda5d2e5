"""Hand-off to a counselling centre: offer, consent, contact, record; cancel; delete everything."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import names
from bot.actions.texts import utter
from lotse.config import get_settings
from lotse.guidance.result import centre_block, land_name, nearest_centre
from lotse.knowledge import load_knowledge
from lotse.store.handoffs import CaseSheet, create_handoff, delete_conversation, delete_handoff

RECOGNITION, FAIR_INTEGRATION = "recognition", "fair-integration"
UNASSIGNED = "unassigned"

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s/().-]{6,24}$")

#: How the confirmation names the contact channel, per language.
CHANNEL_NAMES: dict[str, dict[str, str]] = {
    "email": {"de": "E-Mail", "en": "e-mail", "ar": "البريد الإلكتروني", "ru": "электронная почта",
              "pl": "e-mail"},
    "phone": {"de": "Telefon", "en": "phone", "ar": "الهاتف", "ru": "телефон", "pl": "telefon"},
    "chat": {"de": "Chat", "en": "this chat", "ar": "هذه المحادثة", "ru": "этот чат",
             "pl": "ten czat"},
}  # fmt: skip


#: Words that name a contact channel in a typed answer.
CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "email": ("mail", "почт", "بريد", "ايميل", "إيميل", "имейл", "мейл"),
    "phone": ("phone", "telefon", "телефон", "هاتف", "تلفون", "anruf", "call", "звон", "zadzwo"),
    "chat": ("chat", "czat", "czaci", "чат", "محادثة", "شات", "telegram", "телеграм", "تيليجرام"),
}


def chosen_centre(tracker: Tracker) -> tuple[str, str, float | None]:
    """(centre id, centre name, distance) for this person, or UNASSIGNED with the Land's name."""
    kind = tracker.get_slot(names.SLOT_HANDOFF_KIND) or RECOGNITION
    location = tracker.get_slot(names.SLOT_LOCATION)
    land = tracker.get_slot(names.SLOT_LAND)
    found = nearest_centre(load_knowledge(), kind, tuple(location) if location else None, land)
    if found is None:
        return UNASSIGNED, land_name(land), None
    centre, distance = found
    return centre.id, centre.name, distance


class ActionOfferHandoff(Action):
    """Offer to pass the case on to the nearest centre (or to the IQ network via the finder)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_OFFER_HANDOFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the offer with the centre's name, town and distance."""
        centre_id, _, distance = chosen_centre(tracker)
        centre = next((c for c in load_knowledge().centres if c.id == centre_id), None)
        if centre is None:
            utter(dispatcher, tracker, names.UTTER_OFFER_HANDOFF_FINDER)
        else:
            utter(
                dispatcher,
                tracker,
                names.UTTER_OFFER_HANDOFF,
                centre_name=centre.name,
                centre_city=centre.city or land_name(centre.land),
                distance_km=f"{distance:.0f}" if distance is not None else "?",
            )
        return [SlotSet(names.SLOT_HANDOFF_CENTRE, centre_id)]


class ActionAskHandoffConsent(Action):
    """Say exactly what would be passed on, and to whom, then ask for consent."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_HANDOFF_CONSENT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the consent question naming the centre."""
        centre_id, centre_name, _ = chosen_centre(tracker)
        if centre_id == UNASSIGNED:
            centre_name = f"IQ Netzwerk {centre_name}".strip()
        utter(dispatcher, tracker, names.UTTER_ASK_HANDOFF_CONSENT, centre_name=centre_name)
        return [SlotSet(names.SLOT_HANDOFF_CENTRE, centre_id)]


class ActionAskContactChannel(Action):
    """Ask how the counsellor should get in touch (buttons)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_CONTACT_CHANNEL

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the question."""
        utter(dispatcher, tracker, names.UTTER_ASK_CONTACT_CHANNEL)
        return []


class ActionAskContactValue(Action):
    """Ask for the e-mail address or the phone number, as chosen."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_ASK_CONTACT_VALUE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the question for the chosen channel."""
        email = tracker.get_slot(names.SLOT_CONTACT_CHANNEL) == "email"
        utter(
            dispatcher,
            tracker,
            names.UTTER_ASK_CONTACT_EMAIL if email else names.UTTER_ASK_CONTACT_PHONE,
        )
        return []


class ValidateHandoffForm(FormValidationAction):
    """Only the questions that apply; contact details checked before they are stored."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.VALIDATE_HANDOFF_FORM

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """No consent: stop after the consent question. Chat contact: no contact details."""
        if tracker.get_slot(names.SLOT_HANDOFF_CONSENT) is False:
            return [slot for slot in domain_slots if slot != names.SLOT_CONTACT_CHANNEL
                    and slot != names.SLOT_CONTACT_VALUE]  # fmt: skip
        if tracker.get_slot(names.SLOT_CONTACT_CHANNEL) == "chat":
            return [slot for slot in domain_slots if slot != names.SLOT_CONTACT_VALUE]
        return domain_slots

    async def extract_contact_channel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed answer to "how should the counsellor contact you?" ("per Mail", "телефон")."""
        if tracker.get_slot(names.SLOT_REQUESTED) != names.SLOT_CONTACT_CHANNEL:
            return {}
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        if _EMAIL.match(text):
            return {names.SLOT_CONTACT_CHANNEL: "email", names.SLOT_CONTACT_VALUE: text}
        if _PHONE.match(text):
            return {names.SLOT_CONTACT_CHANNEL: "phone", names.SLOT_CONTACT_VALUE: text}
        lowered = text.casefold()
        for channel, words in CHANNEL_WORDS.items():
            if any(word in lowered for word in words):
                return {names.SLOT_CONTACT_CHANNEL: channel}
        return {}

    def validate_contact_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An e-mail address or a phone number, as chosen."""
        text = str(value or "").strip()
        channel = tracker.get_slot(names.SLOT_CONTACT_CHANNEL)
        pattern = _EMAIL if channel == "email" else _PHONE
        if pattern.match(text):
            return {names.SLOT_CONTACT_VALUE: text}
        utter(dispatcher, tracker, names.UTTER_CONTACT_INVALID)
        return {names.SLOT_CONTACT_VALUE: None}


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far: what the person and the bot wrote, with times."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            lines.append(
                {
                    "role": "person" if event["event"] == "user" else "bot",
                    "text": event["text"],
                    "at": event.get("timestamp"),
                    "intent": ((event.get("parse_data") or {}).get("intent") or {}).get("name"),
                }
            )
    return lines


def _sender_channel(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return ((event.get("metadata") or {}).get("channel")) or "web"
    return "web"


class ActionCreateHandoff(Action):
    """After the hand-off form: store the case (with consent) or confirm that nothing was sent."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_CREATE_HANDOFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Create the hand-off record and tell the person what happens next."""
        reset = [
            SlotSet(names.SLOT_HANDOFF_CONSENT, None),
            SlotSet(names.SLOT_CONTACT_CHANNEL, None),
            SlotSet(names.SLOT_CONTACT_VALUE, None),
        ]
        if tracker.get_slot(names.SLOT_HANDOFF_CONSENT) is not True:
            dispatcher.utter_message(response=names.UTTER_HANDOFF_DECLINED)
            dispatcher.utter_message(response=names.UTTER_ANYTHING_ELSE)
            return reset
        language = tracker.get_slot(names.SLOT_LANGUAGE) or "de"
        centre_id, centre_name, _ = chosen_centre(tracker)
        occupation_id = tracker.get_slot(names.SLOT_OCCUPATION_ID)
        knowledge = load_knowledge()
        occupation = knowledge.occupation(occupation_id) if occupation_id else None
        land = tracker.get_slot(names.SLOT_LAND)
        authority = knowledge.authority_for(occupation, land) if occupation else None
        channel = tracker.get_slot(names.SLOT_CONTACT_CHANNEL) or "chat"
        sheet = CaseSheet(
            sender_id=tracker.sender_id,
            channel=_sender_channel(tracker),
            kind=tracker.get_slot(names.SLOT_HANDOFF_KIND) or RECOGNITION,
            language=language,
            occupation_text=tracker.get_slot(names.SLOT_OCCUPATION_TEXT),
            country=tracker.get_slot(names.SLOT_COUNTRY),
            occupation_id=occupation_id,
            occupation_score=tracker.get_slot(names.SLOT_OCCUPATION_SCORE),
            regulated=occupation.regulated if occupation else None,
            land=land,
            authority=authority.name if authority else None,
            centre_id=centre_id,
            contact_channel=channel,
            contact_value=tracker.get_slot(names.SLOT_CONTACT_VALUE),
            consent_at=datetime.now(timezone.utc),
        )
        ref = create_handoff(sheet, transcript(tracker))
        utter(
            dispatcher,
            tracker,
            names.UTTER_HANDOFF_CREATED,
            centre_name=centre_name if centre_id != UNASSIGNED else f"IQ Netzwerk {centre_name}",
            case_ref=ref,
            response_days=str(get_settings().handoff_response_days),
            contact_channel_name=CHANNEL_NAMES.get(channel, CHANNEL_NAMES["chat"]).get(
                language, ""
            ),
        )
        return [*reset, SlotSet(names.SLOT_HANDOFF_REF, ref)]


class ActionCancelHandoff(Action):
    """Withdraw the hand-off: its record is deleted."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_CANCEL_HANDOFF

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Delete the latest hand-off of this conversation, if there is one."""
        ref = tracker.get_slot(names.SLOT_HANDOFF_REF)
        if ref and delete_handoff(ref, tracker.sender_id):
            utter(dispatcher, tracker, names.UTTER_HANDOFF_CANCELLED)
            return [SlotSet(names.SLOT_HANDOFF_REF, None)]
        utter(dispatcher, tracker, names.UTTER_NOTHING_TO_CANCEL)
        return []


class ActionDeleteConversation(Action):
    """Delete every hand-off of this conversation and ask the channel to erase the conversation."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_DELETE_CONVERSATION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Delete, confirm, forget every slot."""
        delete_conversation(tracker.sender_id)
        utter(dispatcher, tracker, names.UTTER_DELETED)
        dispatcher.utter_message(json_message=names.ERASE_CONVERSATION)
        return [AllSlotsReset()]


class ActionLabourCentre(Action):
    """Name the Faire Integration centre of the person's Land (or the official list)."""

    def name(self) -> str:
        """Action name, as in the domain."""
        return names.ACTION_LABOUR_CENTRE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the centre's contact, or the finder when it is not verified."""
        land = tracker.get_slot(names.SLOT_LAND)
        location = tracker.get_slot(names.SLOT_LOCATION)
        found = nearest_centre(
            load_knowledge(), FAIR_INTEGRATION, tuple(location) if location else None, land
        )
        if found is None:
            utter(dispatcher, tracker, names.UTTER_LABOUR_CENTRE_UNKNOWN, land_name=land_name(land))
        else:
            utter(
                dispatcher,
                tracker,
                names.UTTER_LABOUR_CENTRE,
                land_name=land_name(land),
                centre=centre_block(found[0]),
            )
        utter(dispatcher, tracker, names.UTTER_LABOUR_URGENT)
        return [SlotSet(names.SLOT_HANDOFF_KIND, FAIR_INTEGRATION)]
