"""One conversation spread over two Rasa servers sharing PostgreSQL and Redis."""

from __future__ import annotations

import pytest

from lotse.store import handoffs_of
from tests.scale.conftest import REPLICAS, Stack
from tests.scale.people import (
    HANDOFF_TURNS,
    Person,
    is_subsequence,
    stored_events,
    stored_slots,
    stored_user_texts,
)

pytestmark = pytest.mark.scale


def test_both_replicas_answer_one_conversation_and_postgres_keeps_it(stack: Stack) -> None:
    before = {name: stack.handled(name) for name in REPLICAS}
    person = Person(stack.url)
    answers = [person.say(text, patience=0) for text in HANDOFF_TURNS]

    served = {name: stack.handled(name) - before[name] for name in REPLICAS}
    assert all(served.values()), f"one replica answered nothing: {served}"
    assert sum(served.values()) == len(HANDOFF_TURNS)
    assert person.case_refs, f"no case reference in {answers[-1].texts}"

    slots = stored_slots(stack.postgres, person.sender)
    assert slots["language"] == "de"
    assert slots["occupation_id"] == "apotheker"
    assert (slots["country"], slots["land"]) == ("EG", "SN")
    assert slots["handoff_ref"] == person.case_refs[-1]
    assert is_subsequence(list(HANDOFF_TURNS), stored_user_texts(stack.postgres, person.sender))
    [handoff] = handoffs_of(person.sender, url=stack.settings.database_url)
    assert handoff.ref == person.case_refs[-1]
    assert handoff.contact_value == "amira@example.org"


def test_messages_of_one_conversation_stay_in_order_across_replicas(stack: Stack) -> None:
    """Sent one after another to alternating replicas, every turn sees the previous one."""
    person = Person(stack.url)
    person.say("Ich bin Krankenschwester")
    person.say("aus Syrien")
    person.say('/inform{"residence":"germany"}')
    person.say("Leipzig")
    slots = stored_slots(stack.postgres, person.sender)
    assert (slots["occupation_id"], slots["country"], slots["land"]) == (
        "pflegefachkraft",
        "SY",
        "SN",
    )


def test_delete_erases_the_conversation_from_postgres(stack: Stack) -> None:
    person = Person(stack.url)
    for text in (*HANDOFF_TURNS[:3], '/inform{"contact_channel":"chat"}', "/delete", "/affirm"):
        person.say(text, patience=0)
    assert handoffs_of(person.sender, url=stack.settings.database_url) == []
    assert stored_events(stack.postgres, person.sender) == []
