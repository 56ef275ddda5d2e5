"""End to end: the scripted guidance conversations in all five languages (tests/data/).

For every conversation: each answer is in the person's language (matched against the response
templates), the conversation never ends without a next step, and what `expect` names happened.
"""

from __future__ import annotations

import sqlite3

import pytest

from lotse.config import Settings
from lotse.store.handoffs import handoffs_of
from tests.e2e.conversations import Played, identify, play, scenarios

pytestmark = pytest.mark.e2e

RESULT = {"utter_result_authority", "utter_result_chamber", "utter_result_authority_unknown",
          "utter_result_zab"}  # fmt: skip
#: Answers that are a next step in themselves (they say what happens now).
NEXT_STEPS = {"utter_handoff_created", "utter_anything_else", "utter_offer_handoff",
              "utter_offer_handoff_finder"}  # fmt: skip
CASES = [
    pytest.param(language, name, spec, id=f"{language}-{name}")
    for language, by_name in scenarios().items()
    for name, spec in by_name.items()
]


def responses_of(played: Played) -> list[list[set[tuple[str, str]]]]:
    return [[identify(m["text"]) for m in reply["messages"]] for reply in played.replies]


def first_turn_with(played: Played, names: set[str]) -> int | None:
    for turn, reply in enumerate(responses_of(played), 1):
        if any(name in names for message in reply for name, _ in message):
            return turn
    return None


@pytest.mark.parametrize(("language", "name", "spec"), CASES)
def test_conversation(lotse: str, settings: Settings, language: str, name: str, spec: dict) -> None:
    played = play(lotse, language, name, spec["turns"])
    expect = spec["expect"]
    final_language = next(
        (e.split(":")[1].strip() for e in expect if e.startswith("language:")), language
    )
    switched = False
    for turn, (text, reply) in enumerate(zip(played.turns, played.replies, strict=True), 1):
        assert reply["messages"], f"turn {turn} ({text!r}) got no answer"
        switched = switched or reply["language"] == final_language != language
        expected = final_language if switched else language
        assert reply["language"] == expected, f"turn {turn} ({text!r})"
        for message in reply["messages"]:
            found = identify(message["text"])
            assert found, f"turn {turn}: no template produces {message['text']!r}"
            assert expected in {lang for _, lang in found}, f"turn {turn}: {message['text']!r}"

    last = played.replies[-1]["messages"]
    names = {name for message in last for name, _ in identify(message["text"])}
    assert (
        any(message["buttons"] for message in last)
        or any(message["text"].rstrip().endswith(("?", "؟")) for message in last)
        or names & NEXT_STEPS
    ), f"the conversation ends without a next step: {last[-1]['text']!r}"

    if "result" in expect:
        turn = first_turn_with(played, RESULT)
        assert turn is not None, "the competent authority was never named"
        if name == "all_at_once":
            assert turn <= 2
        if name == "happy_path":
            assert turn <= 6 + 1  # six messages of facts after a greeting
    if "candidates" in expect:
        assert first_turn_with(played, {"utter_occupation_candidates"}) is not None
    if "labour" in expect:
        assert first_turn_with(played, {"utter_labour_intro"}) == 1
        assert first_turn_with(played, RESULT) is None
    stored = handoffs_of(f"web-{played.session_id}", url=settings.database_url)
    if "handoff" in expect:
        [handoff] = stored
        assert handoff.language == language and handoff.transcript
    if "no_handoff" in expect:
        assert stored == []


def test_delete_erases_the_conversation_and_its_handoff(lotse: str, settings: Settings) -> None:
    turns = [
        "Ich bin Apothekerin aus Ägypten und wohne in Leipzig",
        "ja",
        "ja",
        '/inform{"contact_channel":"chat"}',
        "/delete",
        "/affirm",
    ]
    played = play(lotse, "de", "delete", turns)
    sender = f"web-{played.session_id}"
    confirm = {name for m in played.replies[4]["messages"] for name, _ in identify(m["text"])}
    assert "utter_confirm_delete" in confirm
    assert "utter_deleted" in {
        name for m in played.replies[5]["messages"] for name, _ in identify(m["text"])
    }
    assert handoffs_of(sender, url=settings.database_url) == []
    with sqlite3.connect(settings.tracker_db) as db:
        rows = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()
    assert rows == (0,)
