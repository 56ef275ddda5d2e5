"""A fake Rasa client that also erases and expires conversations (records and retention tests),
and small database helpers for those tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import AuditEntry, CaseNote, CaseTag, OutboundMessage
from lotse.web.rasa_client import RasaUnavailable
from tests.workspace.conftest import FakeRasa


class RecordsRasa(FakeRasa):
    """`down = True` makes erase and expire fail as the real client does when Rasa is away."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.erased: list[str] = []
        self.expire_calls: list[tuple[float, list[str]]] = []
        self.expire_answer = 0

    async def erase(self, sender: str) -> None:
        self.calls.append(("erase", (sender,)))
        if self.down:
            raise RasaUnavailable("ConnectError")
        self.erased.append(sender)

    async def expire_conversations(self, idle_days: float, keep: Sequence[str]) -> int:
        self.calls.append(("expire_conversations", (idle_days, list(keep))))
        if self.down:
            raise RasaUnavailable("ConnectError")
        self.expire_calls.append((idle_days, list(keep)))
        return self.expire_answer


def add_case_work(session: Session, case: Handoff, author_id: int | None = None) -> None:
    """A note, two tags and an outbound message on `case` (committed)."""
    now = utcnow()
    session.add(CaseNote(handoff_id=case.id, author_id=author_id, text="Rückruf", created_at=now))
    session.add(CaseTag(handoff_id=case.id, tag="Pflege"))
    session.add(CaseTag(handoff_id=case.id, tag="dringend"))
    session.add(
        OutboundMessage(
            handoff_id=case.id,
            sender_id=case.sender_id,
            kind="counsellor",
            text="Guten Tag",
            created_at=now,
        )
    )
    session.commit()


def rows_of(session: Session, case: Handoff) -> dict[str, int]:
    """How many rows of each kind still belong to `case` (by id and by sender)."""

    def count(model: Any, *conditions: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*conditions))

    return {
        "handoffs": count(Handoff, Handoff.sender_id == case.sender_id),
        "notes": count(CaseNote, CaseNote.handoff_id == case.id),
        "tags": count(CaseTag, CaseTag.handoff_id == case.id),
        "outbound": count(
            OutboundMessage,
            (OutboundMessage.handoff_id == case.id) | (OutboundMessage.sender_id == case.sender_id),
        ),
    }


NOTHING_LEFT = {"handoffs": 0, "notes": 0, "tags": 0, "outbound": 0}


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )
