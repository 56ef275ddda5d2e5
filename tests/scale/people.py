"""People writing to Lotse through /api/chat like the widget does, and what PostgreSQL stored.

A `Person` gives every message a `message_id` and resends it after a "please try again" (503) or
a network error, as the widget does; it records which messages were acknowledged (200) and every
case reference it was told, so the tests can check that nothing acknowledged was lost.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from lotse.web.messages import TRY_AGAIN
from tests.scale.services import Postgres

#: A turn must be answered within this many seconds, also while a part of Lotse is down.
ANSWER_DEADLINE = 40.0
CASE_REF = re.compile(r"\bLT-[A-Z0-9]{6}\b")
#: A conversation that ends with a stored hand-off (German; tests/data/conversations.yaml).
HANDOFF_TURNS = (
    "Ich bin Apothekerin aus Ägypten und wohne in Leipzig",
    "ja",
    "ja",
    '/inform{"contact_channel":"email"}',
    "amira@example.org",
)


@dataclass
class Answer:
    """One attempt to send a message: HTTP status (0: no answer), body, seconds it took."""

    status: int
    body: dict
    seconds: float

    @property
    def texts(self) -> list[str]:
        """The texts of the bot messages."""
        return [message["text"] for message in self.body.get("messages", [])]

    @property
    def says_try_again(self) -> bool:
        """A 503 whose only message is the "please try again" text in the answer's language."""
        return self.status == 503 and self.texts == [TRY_AGAIN[self.body.get("language", "de")]]


@dataclass
class Person:
    """One conversation through /api/chat."""

    url: str
    session_id: str = field(default_factory=lambda: f"scale-{uuid.uuid4().hex[:12]}")
    acknowledged: list[str] = field(default_factory=list)
    case_refs: list[str] = field(default_factory=list)
    attempts: list[Answer] = field(default_factory=list)

    @property
    def sender(self) -> str:
        """Rasa's sender id of this conversation."""
        return f"web-{self.session_id}"

    def attempt(self, text: str, message_id: str) -> Answer:
        """Send once; a network error is status 0."""
        started = time.monotonic()
        try:
            response = httpx.post(
                f"{self.url}/api/chat",
                json={"session_id": self.session_id, "text": text, "message_id": message_id},
                timeout=ANSWER_DEADLINE,
            )
            body = response.json() if "json" in response.headers.get("content-type", "") else {}
            answer = Answer(response.status_code, body, time.monotonic() - started)
        except httpx.HTTPError:
            answer = Answer(0, {}, time.monotonic() - started)
        self.attempts.append(answer)
        if answer.status == 200:
            self.acknowledged.append(text)
            self.case_refs += CASE_REF.findall(" ".join(answer.texts))
        return answer

    def say(self, text: str, patience: float = 120.0, pause: float = 0.5) -> Answer:
        """Send until acknowledged (same message_id each time); raise after `patience` seconds."""
        message_id = uuid.uuid4().hex
        deadline = time.monotonic() + patience
        while True:
            answer = self.attempt(text, message_id)
            if answer.status == 200:
                return answer
            if time.monotonic() > deadline:
                raise TimeoutError(f"not acknowledged within {patience:.0f} s: {answer.status}")
            time.sleep(pause)


def stored_events(postgres: Postgres, sender: str) -> list[dict]:
    """Every tracker event of one conversation in Rasa's tracker store, oldest first."""
    connection = postgres.connect()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        return [json.loads(data) for (data,) in cursor.fetchall()]
    finally:
        connection.close()


def stored_slots(postgres: Postgres, sender: str) -> dict:
    """The slot values of one conversation, replayed from its stored events."""
    slots: dict = {}
    for event in stored_events(postgres, sender):
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
        elif event["event"] == "restart":
            slots.clear()
    return slots


def stored_user_texts(postgres: Postgres, sender: str) -> list[str]:
    """What the person wrote, as stored (commands as the intents the channel mapped them to)."""
    return [e["text"] for e in stored_events(postgres, sender) if e["event"] == "user"]


def is_subsequence(wanted: list[str], stored: list[str]) -> bool:
    """True if `wanted` appears in `stored` in order (resent turns may appear twice)."""
    remaining = iter(stored)
    return all(any(text == candidate for candidate in remaining) for text in wanted)


def stored_case_refs(postgres: Postgres) -> set[str]:
    """Every hand-off reference in the app database."""
    connection = postgres.connect()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT ref FROM handoffs")
        return {ref for (ref,) in cursor.fetchall()}
    finally:
        connection.close()


class Chatter(threading.Thread):
    """Holds hand-off conversations one after another until stopped, resending like the widget."""

    def __init__(self, url: str) -> None:
        """Start with `start()`, end with `stop()`."""
        super().__init__(daemon=True)
        self.url = url
        self.people: list[Person] = []
        self.failures: list[str] = []
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            person = Person(self.url)
            self.people.append(person)
            for text in HANDOFF_TURNS:
                if self._stopping.is_set():
                    return
                try:
                    person.say(text, patience=ANSWER_DEADLINE * 3)
                except TimeoutError as error:
                    self.failures.append(str(error))
                    return

    def stop(self) -> None:
        """Finish the current message, then stop."""
        self._stopping.set()
        self.join(timeout=ANSWER_DEADLINE * 4)
