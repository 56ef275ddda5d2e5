"""Speed-ups of Rasa 3.6 that change no behaviour; bot/channels.py installs them on import.

Measured with py-spy on the Rasa server during ``lotse bench load`` (jsonschema 4.17):

- Rasa checks every action server response with ``jsonschema.validate(result, spec)``, which
  first validates the schema itself against its meta-schema and builds a new validator: about two
  thirds of the Rasa server's CPU time per turn. Checking the events' ``oneOf`` over 23 event
  types then took another sixth. Here the schema is checked once, and each event is checked
  against the one alternative its ``event`` name selects (the others cannot match: each requires
  its own name). Only a response found valid this way skips Rasa's check; any other goes to
  Rasa's own check, which accepts it or raises its usual error.
- Every event read from the tracker store looks its class up by walking all subclasses of
  ``Event``; here the lookup is remembered (an unknown name still walks them again).
- The SQLite tracker store opened a new connection for every read and write (SQLAlchemy 1.4's
  NullPool for SQLite files) and committed with SQLite's rollback journal: two fsyncs of about
  20 ms on this machine's disk per commit, during which Rasa's event loop waits. Here its
  connections are kept (a small pool) and use the write-ahead log (``journal_mode=WAL``) with the
  same ``synchronous=FULL``: as durable, one fsync per commit (about 6.5 ms here).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any

from jsonschema import validators
from jsonschema.protocols import Validator
from rasa.core import tracker_store
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

_MARK = "_lotse_speedup"


def _checked(schema: dict[str, Any]) -> Validator:
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def response_validator() -> Validator:
    """The response format without the events' items (checked one by one instead)."""
    schema = RemoteAction.action_response_format_spec()
    events = {key: value for key, value in schema["properties"]["events"].items() if key != "items"}
    return _checked({**schema, "properties": {**schema["properties"], "events": events}})


@cache
def event_validators() -> dict[str, Validator]:
    """Event name → validator of the event schema with only that name's `oneOf` alternative."""
    event_schema = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    return {
        alternative["properties"]["event"]["const"]: _checked({"allOf": [common, alternative]})
        for alternative in event_schema["oneOf"]
    }


def is_valid_response(result: Any) -> bool:
    """True only if Rasa's response schema accepts `result` (False may still be valid)."""
    if not response_validator().is_valid(result):
        return False
    by_name = event_validators()
    for event in result.get("events", []):
        validator = by_name.get(event.get("event")) if isinstance(event, dict) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _install_response_check() -> None:
    original = RemoteAction._validate_action_result
    if getattr(original, _MARK, False):
        return

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if is_valid_response(result):
            return True
        return original(self, result)  # accepts, or raises Rasa's ValidationError

    setattr(validate_action_result, _MARK, True)
    RemoteAction._validate_action_result = validate_action_result


def _install_event_lookup() -> None:
    original: Callable[..., type[Event] | None] = Event.resolve_by_type
    if getattr(original, _MARK, False):
        return
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        if type_name not in known:
            for cls in all_subclasses(Event):  # Rasa's order: the first class of a name wins
                known.setdefault(cls.type_name, cls)
        found = known.get(type_name)
        return found if found is not None else original(type_name, default)

    setattr(resolve_by_type, _MARK, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)


#: Pragmas of every SQLite connection of the Rasa server (its tracker store).
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL")
#: Kept SQLite connections of the tracker store (more are opened while all are busy).
SQLITE_POOL_SIZE = 2
SQLITE_POOL_OVERFLOW = 8


def is_sqlite_file(url: Any) -> bool:
    """True for an SQLAlchemy URL of an SQLite database file (not in memory)."""
    parsed = make_url(str(url))
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Switch a new SQLite connection to the write-ahead log (other databases untouched)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _install_sqlite_engine() -> None:
    original = tracker_store.create_engine_kwargs
    if getattr(original, _MARK, False):
        return

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        kwargs = original(url)
        if not is_sqlite_file(url):
            return kwargs
        connect_args = {**kwargs.get("connect_args", {}), "check_same_thread": False}
        return {
            **kwargs,
            "poolclass": QueuePool,
            "pool_size": SQLITE_POOL_SIZE,
            "max_overflow": SQLITE_POOL_OVERFLOW,
            "connect_args": connect_args,
        }

    setattr(create_engine_kwargs, _MARK, True)
    tracker_store.create_engine_kwargs = create_engine_kwargs
    if not sqlalchemy_event.contains(Engine, "connect", sqlite_write_ahead_log):
        sqlalchemy_event.listen(Engine, "connect", sqlite_write_ahead_log)


def install() -> None:
    """Install the speed-ups (once per process)."""
    _install_response_check()
    _install_event_lookup()
    _install_sqlite_engine()
    logger.debug("Rasa speed-ups installed")
