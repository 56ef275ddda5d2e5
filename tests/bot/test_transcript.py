"""The workspace's transcript built from tracker events (bot/transcript.py)."""

from __future__ import annotations

from rasa.shared.core.events import (
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SlotSet,
    UserUttered,
)

from bot.transcript import transcript_entries

CHOICE = '/inform{"occupation_id":"arzt"}'


def parsed(text: str, intent: str, confidence: float) -> UserUttered:
    return UserUttered(
        text, {"name": intent, "confidence": confidence}, parse_data={
            "intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text
        }
    )  # fmt: skip


def entries(events: list) -> list[dict]:
    return transcript_entries([event.as_dict() for event in events])


def test_roles_language_intent_and_button_titles() -> None:
    events = [
        parsed("Привет, я врач", "inform", 0.91234567),
        SlotSet("language", "ru"),
        SlotSet("occupation_candidates", ["arzt", "zahnarzt"]),
        SlotSet("occupation_text", "врач"),
        BotUttered("Какая профессия?", {"buttons": [{"title": "Врач", "payload": CHOICE}]}),
        parsed(CHOICE, "inform", 1.0),
        SlotSet("occupation_id", "arzt"),
        SlotSet("occupation_score", 100.0),
        SlotSet("occupation_candidates", []),
        BotUttered("Понятно."),
        ConversationPaused(),
        BotUttered("Здравствуйте!", {}, {"counsellor": "Anna Berg"}),
        BotUttered("Пишет консультант", {}, {"notice": "takeover"}),
        parsed("Hello, thanks", "thank", 0.8),
        SlotSet("language", "en"),
        ConversationResumed(),
        BotUttered(None, {"custom": {"lotse": "erase_conversation"}}),
    ]
    got = entries(events)
    assert [(e["role"], e["text"]) for e in got] == [
        ("person", "Привет, я врач"),
        ("bot", "Какая профессия?"),
        ("person", "Врач"),
        ("bot", "Понятно."),
        ("event", "paused"),
        ("counsellor", "Здравствуйте!"),
        ("bot", "Пишет консультант"),
        ("person", "Hello, thanks"),
        ("event", "resumed"),
    ]
    first, _, choice, *_ = got
    assert first["language"] == "ru" and first["intent"] == "inform"
    assert first["confidence"] == 0.9123
    assert first["candidates"] == [{"id": "arzt", "score": None}, {"id": "zahnarzt", "score": None}]
    assert choice["payload"] == CHOICE
    assert choice["candidates"] == [{"id": "arzt", "score": 100.0}]
    assert got[1]["buttons"] == [{"title": "Врач", "payload": CHOICE}]
    assert got[5]["author"] == "Anna Berg" and "notice" not in got[5]
    assert got[6]["notice"] == "takeover"
    # The language is the one decided after each message; bot messages carry theirs.
    assert got[7]["language"] == "en" and got[3]["language"] == "ru"
    assert all(e["at"].endswith("+00:00") for e in got)


def test_a_turn_without_occupation_slots_has_no_candidates() -> None:
    got = entries([parsed("Berlin", "inform", 0.7), SlotSet("land", "BE"), BotUttered("Ok")])
    assert got[0]["candidates"] == []
