"""The app database: hand-offs (case sheet + transcript). SQLite by default, PostgreSQL at scale."""

from lotse.store.db import get_engine, session_scope
from lotse.store.handoffs import (
    CaseSheet,
    Handoff,
    create_handoff,
    delete_conversation,
    delete_handoff,
    handoffs_of,
)

__all__ = [
    "CaseSheet",
    "Handoff",
    "create_handoff",
    "delete_conversation",
    "delete_handoff",
    "get_engine",
    "handoffs_of",
    "session_scope",
]
