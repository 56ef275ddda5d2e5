"""Rasa's speed-ups accept and refuse exactly what Rasa does, find the same event classes, and
keep the SQLite tracker store working."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
from rasa.core import tracker_store
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.pool import QueuePool

from bot import speedups

VALID = {
    "events": [
        {"event": "slot", "name": "language", "value": "de", "timestamp": None},
        {"event": "active_loop", "name": "recognition_form"},
        {"event": "user", "text": "hallo", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "bot", "text": "Hallo!", "metadata": {"language": "de"}},
    ],
    "responses": [{"text": "Hallo", "buttons": []}],
}
INVALID = [
    {"events": [{"name": "language"}], "responses": []},  # an event without its name
    {"events": [{"event": "slot", "name": "language"}]},  # a slot without its value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "now"}]},
    {"events": ["slot"]},
    {"events": {}, "responses": []},
    {"responses": ["text"]},
    ["not", "an", "object"],
]


def rasa_accepts(result: object) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.fixture
def action() -> RemoteAction:
    speedups.install()
    return RemoteAction("action_detect_language", EndpointConfig("http://127.0.0.1:9"))


def test_a_valid_response_passes(action: RemoteAction) -> None:
    assert rasa_accepts(VALID) and speedups.is_valid_response(VALID)
    assert action._validate_action_result(copy.deepcopy(VALID)) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_response_gets_rasas_error(action: RemoteAction, result: object) -> None:
    assert not rasa_accepts(result) and not speedups.is_valid_response(result)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        action._validate_action_result(result)


def test_event_classes_are_found_as_before() -> None:
    speedups.install()
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None  # Rasa's backwards compatibility
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_installing_twice_wraps_once() -> None:
    speedups.install()
    first = (RemoteAction._validate_action_result, Event.resolve_by_type)
    speedups.install()
    assert (RemoteAction._validate_action_result, Event.resolve_by_type) == first


async def test_the_sqlite_tracker_store_keeps_connections_and_a_write_ahead_log(
    tmp_path: Path,
) -> None:
    speedups.install()
    store = SQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path}/tracker.db")
    tracker = DialogueStateTracker.from_events("someone", [ActionExecuted("action_listen")])
    await store.save(tracker)
    assert ActionExecuted("action_listen") in (await store.retrieve("someone")).events
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_only_sqlite_files_get_the_pool() -> None:
    speedups.install()
    assert speedups.is_sqlite_file("sqlite:////var/lotse/tracker.db")
    assert not speedups.is_sqlite_file("sqlite://")
    assert not speedups.is_sqlite_file("postgresql://lotse:secret@db:5432/lotse")
    assert "poolclass" not in tracker_store.create_engine_kwargs("postgresql://db/lotse")
