"""Kill -9 each part of the scaled-out Lotse in the middle of conversations.

While the tests below kill and restart the action server, a Rasa replica, the web app,
PostgreSQL and Redis one after another, background chatters keep holding hand-off
conversations. Each test follows one person through its fault: a clear "please try again"
(or, for one replica, no interruption at all), then the same conversation with its slots after
the restart (the killed replica stays down: the other one carries on). The last test checks
the chatters: nothing acknowledged lost, every hand-off whose reference was told stored, never
a silent answer, never a hang.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.scale.conftest import Stack
from tests.scale.people import (
    ANSWER_DEADLINE,
    HANDOFF_TURNS,
    Chatter,
    Person,
    is_subsequence,
    stored_case_refs,
    stored_slots,
    stored_user_texts,
)

pytestmark = pytest.mark.scale

CHATTERS = 2
#: A part that is down must be reported within this many seconds ("please try again").
TRY_AGAIN_WITHIN = 10.0
#: Seconds measured per fault, printed at the end (pytest -s) for the report.
MEASURED: dict[str, float] = {}


@pytest.fixture(scope="module")
def chatters(stack: Stack) -> Iterator[list[Chatter]]:
    """Background conversations during all fault tests of this module."""
    running = [Chatter(stack.url) for _ in range(CHATTERS)]
    for chatter in running:
        chatter.start()
    yield running
    for chatter in running:
        chatter.stop()


def started_conversation(stack: Stack) -> Person:
    """A person who has told Lotse occupation, country and place."""
    person = Person(stack.url)
    person.say(HANDOFF_TURNS[0])
    assert stored_slots(stack.postgres, person.sender)["occupation_id"] == "apotheker"
    return person


def assert_continues(stack: Stack, person: Person, text: str, message_id: str) -> None:
    """The resent message is answered and the conversation still has its slots."""
    answer = person.attempt(text, message_id)
    assert answer.status == 200 and answer.texts, (answer.status, answer.texts)
    slots = stored_slots(stack.postgres, person.sender)
    assert (slots["occupation_id"], slots["country"], slots["land"]) == ("apotheker", "EG", "SN")
    assert is_subsequence(person.acknowledged, stored_user_texts(stack.postgres, person.sender))


def test_action_server_killed(stack: Stack, chatters: list[Chatter]) -> None:
    person = started_conversation(stack)
    stack.processes.kill("actions")
    message_id = uuid.uuid4().hex
    answer = person.attempt(HANDOFF_TURNS[1], message_id)
    assert answer.says_try_again, (answer.status, answer.texts)
    assert answer.seconds < TRY_AGAIN_WITHIN
    MEASURED["actions down: try again after"] = answer.seconds
    MEASURED["actions restart"] = stack.restart("actions")
    assert_continues(stack, person, HANDOFF_TURNS[1], message_id)


def test_killed_rasa_replica_is_skipped_without_interruption(
    stack: Stack, chatters: list[Chatter]
) -> None:
    person = started_conversation(stack)
    stack.processes.kill("rasa-1")
    before = stack.handled("rasa-2")
    answers = [person.attempt(text, uuid.uuid4().hex) for text in HANDOFF_TURNS[1:4]]
    assert [a.status for a in answers] == [200, 200, 200]
    assert stack.handled("rasa-2") - before >= len(answers)
    MEASURED["replica down: slowest answer"] = max(a.seconds for a in answers)
    # Not restarted: loading a model takes minutes on two busy cores, and rasa-2 has just shown
    # that a conversation continues on another replica (re-admission: tests/web/test_replicas.py).
    slots = stored_slots(stack.postgres, person.sender)
    assert slots["contact_channel"] == "email" and slots["occupation_id"] == "apotheker"


def test_web_app_killed(stack: Stack, chatters: list[Chatter]) -> None:
    person = started_conversation(stack)
    stack.processes.kill("web")
    message_id = uuid.uuid4().hex
    answer = person.attempt(HANDOFF_TURNS[1], message_id)
    assert answer.status == 0 and answer.seconds < TRY_AGAIN_WITHIN  # the widget says "offline"
    MEASURED["web app restart"] = stack.restart("web")
    assert_continues(stack, person, HANDOFF_TURNS[1], message_id)


def test_postgres_killed_before_the_handoff_is_stored(
    stack: Stack, chatters: list[Chatter]
) -> None:
    person = started_conversation(stack)
    for text in HANDOFF_TURNS[1:4]:
        person.say(text)
    stack.postgres.kill()
    message_id = uuid.uuid4().hex
    answer = person.attempt(HANDOFF_TURNS[4], message_id)
    assert answer.says_try_again, (answer.status, answer.texts)
    assert answer.seconds < TRY_AGAIN_WITHIN
    MEASURED["postgres down: try again after"] = answer.seconds
    started = time.monotonic()
    stack.postgres.start()
    assert_continues(stack, person, HANDOFF_TURNS[4], message_id)
    MEASURED["postgres restart to first answer"] = time.monotonic() - started
    assert person.case_refs and person.case_refs[-1] in stored_case_refs(stack.postgres)


def test_redis_killed(stack: Stack, chatters: list[Chatter]) -> None:
    person = started_conversation(stack)
    stack.redis.kill()
    message_id = uuid.uuid4().hex
    answer = person.attempt(HANDOFF_TURNS[1], message_id)
    assert answer.says_try_again, (answer.status, answer.texts)
    assert answer.seconds < TRY_AGAIN_WITHIN
    MEASURED["redis down: try again after"] = answer.seconds
    stack.redis.start()
    assert_continues(stack, person, HANDOFF_TURNS[1], message_id)


def test_nothing_acknowledged_was_lost(stack: Stack, chatters: list[Chatter]) -> None:
    for chatter in chatters:
        chatter.stop()
    people = [person for chatter in chatters for person in chatter.people]
    attempts = [attempt for person in people for attempt in person.attempts]
    assert not [f for chatter in chatters for f in chatter.failures]
    assert all(a.status in (200, 503, 0) for a in attempts), {a.status for a in attempts}
    assert all(a.texts for a in attempts if a.status == 200), "a silent answer"
    assert all(a.says_try_again for a in attempts if a.status == 503)
    assert max(a.seconds for a in attempts) < ANSWER_DEADLINE, "an answer hung"
    for person in people:
        stored = stored_user_texts(stack.postgres, person.sender)
        assert is_subsequence(person.acknowledged, stored), person.session_id
    told = {ref for person in people for ref in person.case_refs}
    assert told, "no chatter got through a hand-off"
    assert told <= stored_case_refs(stack.postgres)
    MEASURED["chatter attempts"] = len(attempts)
    MEASURED["chatter try-again answers"] = sum(a.status == 503 for a in attempts)
    MEASURED["chatter hand-offs told and stored"] = len(told)
    print("\nfault measurements:", {k: round(v, 2) for k, v in MEASURED.items()})
