"""A conversation's transcript for the counsellor workspace, built from Rasa's tracker events.

Pure functions over event dictionaries (``Event.as_dict()``), so they are tested without Rasa.

Every entry: ``{"role": "person" | "bot" | "counsellor" | "event", "text", "at" (ISO 8601, UTC),
"language", "intent", "confidence", "candidates"}`` and, where they apply, ``"buttons"``
(bot), ``"payload"`` (a pressed button: ``text`` is its title), ``"author"`` (counsellor),
``"notice"`` (a message Lotse sent for the take-over: "takeover" | "handback").
Events are ``"paused"`` and ``"resumed"`` (the bot paused for a counsellor and back).

- ``language`` of the person's message is the ``language`` slot as set after that message
  (Lotse decides it after every message); a bot message has the language of its moment.
- ``candidates`` (on the person's message): the occupations Lotse matched in that turn, from the
  slots ``occupation_candidates`` (ids, unsure match) or ``occupation_id`` + ``occupation_score``
  (a confident match or a pressed candidate button): ``[{"id", "score"}]`` (score None when the
  slots do not carry it).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bot.actions import names

#: Metadata keys of bot events that the workspace appended (see bot/channels.py).
COUNSELLOR_KEY = "counsellor"
NOTICE_KEY = "notice"
#: Tracker event types shown as events, and their names in the transcript.
SHOWN_EVENTS = {"pause": "paused", "resume": "resumed"}
_OCCUPATION_SLOTS = frozenset(
    {names.SLOT_OCCUPATION_ID, names.SLOT_OCCUPATION_SCORE, names.SLOT_OCCUPATION_CANDIDATES}
)


def iso_time(timestamp: Any) -> str | None:
    """A Rasa timestamp (seconds since 1970) as ISO 8601 in UTC."""
    if not isinstance(timestamp, (int, float)):
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat()


def _entry(role: str, text: str, event: dict[str, Any], language: str | None) -> dict[str, Any]:
    return {
        "role": role,
        "text": text,
        "at": iso_time(event.get("timestamp")),
        "language": language,
        "intent": None,
        "confidence": None,
        "candidates": [],
    }


def _person_entry(
    event: dict[str, Any], language: str | None, last_buttons: list[dict[str, Any]]
) -> dict[str, Any]:
    text = str(event.get("text") or "")
    entry = _entry("person", text, event, language)
    intent = (event.get("parse_data") or {}).get("intent") or {}
    entry["intent"] = intent.get("name")
    confidence = intent.get("confidence")
    entry["confidence"] = round(float(confidence), 4) if confidence is not None else None
    for button in last_buttons:  # a pressed button: show what the person saw
        if isinstance(button, dict) and button.get("payload") == text and button.get("title"):
            entry["text"], entry["payload"] = str(button["title"]), text
            break
    return entry


def _bot_entry(event: dict[str, Any], language: str | None) -> dict[str, Any] | None:
    text = event.get("text")
    if not text:
        return None  # custom messages (e.g. the erase request) are not shown
    metadata = event.get("metadata") or {}
    data = event.get("data") or {}
    author = metadata.get(COUNSELLOR_KEY)
    entry = _entry("counsellor" if author else "bot", str(text), event, language)
    if author:
        entry["author"] = str(author)
    if metadata.get(NOTICE_KEY):
        entry["notice"] = str(metadata[NOTICE_KEY])
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in data.get("buttons") or []
        if isinstance(b, dict)
    ]
    if buttons:
        entry["buttons"] = buttons
    return entry


def _candidates(slots: dict[str, Any]) -> list[dict[str, Any]]:
    """The occupations one turn's slot events name ([] if the turn set none)."""
    listed = slots.get(names.SLOT_OCCUPATION_CANDIDATES)
    if listed:
        return [{"id": str(i), "score": None} for i in listed if isinstance(i, str)]
    chosen = slots.get(names.SLOT_OCCUPATION_ID)
    if isinstance(chosen, str) and chosen:
        score = slots.get(names.SLOT_OCCUPATION_SCORE)
        return [{"id": chosen, "score": float(score) if score is not None else None}]
    return []


def transcript_entries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The transcript of a conversation from its events, oldest first."""
    entries: list[dict[str, Any]] = []
    language: str | None = None
    person: dict[str, Any] | None = None  # the person's latest message, while its turn lasts
    turn_slots: dict[str, Any] = {}
    last_buttons: list[dict[str, Any]] = []

    def close_turn() -> None:
        if person is not None and turn_slots:
            person["candidates"] = _candidates(turn_slots)

    for event in events:
        kind = event.get("event")
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == names.SLOT_LANGUAGE:
                language = value if isinstance(value, str) else language
                if person is not None:
                    person["language"] = language
            elif name in _OCCUPATION_SLOTS and person is not None:
                turn_slots[name] = value
        elif kind == "user":
            close_turn()
            person, turn_slots = _person_entry(event, language, last_buttons), {}
            entries.append(person)
            last_buttons = []
        elif kind == "bot":
            entry = _bot_entry(event, language)
            if entry is not None:
                entries.append(entry)
                last_buttons = entry.get("buttons", [])
        elif kind in SHOWN_EVENTS:
            entries.append(_entry("event", SHOWN_EVENTS[kind], event, language))
    close_turn()
    return entries
