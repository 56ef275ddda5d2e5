"""Hand-off records: created only after explicit consent, deleted on request."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    select,
)

from lotse.store.db import Base, session_scope

#: Case references avoid look-alike characters (0/O, 1/I/L).
_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Handoff(Base):
    """A structured case sheet plus the transcript, for one counselling centre."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    ref = Column(String(16), unique=True, nullable=False)
    sender_id = Column(String(160), index=True, nullable=False)
    channel = Column(String(32), nullable=False)
    kind = Column(String(32), nullable=False)  # recognition | fair-integration
    #: new | in_progress | waiting (for the person) | closed — see lotse.workspace.models.CaseStatus
    status = Column(String(32), nullable=False, default="new", index=True)
    language = Column(String(2), nullable=False)
    occupation_text = Column(Text)
    country = Column(String(2))
    occupation_id = Column(String(64))
    occupation_score = Column(Float)
    regulated = Column(String(8))  # "yes" | "no" | None (unknown)
    land = Column(String(2))
    authority = Column(Text)
    centre_id = Column(String(64), nullable=False)
    contact_channel = Column(String(16), nullable=False)
    contact_value = Column(String(320))
    consent_at = Column(DateTime(timezone=True), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    transcript = Column(Text, nullable=False)  # JSON list of {"role", "text", "language", "at"}
    # Case work in the counsellor workspace (all nullable or defaulted: added to older databases).
    assignee_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    reviewed = Column(Boolean, nullable=False, default=False)
    updated_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True), index=True)
    #: Set while a counsellor writes to the person and the bot is paused (the counsellor's user id).
    taken_over_by = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    #: When the centre was notified of this new hand-off (None: not yet).
    notified_at = Column(DateTime(timezone=True))


@dataclass(frozen=True)
class CaseSheet:
    """What the person agreed to pass on."""

    sender_id: str
    channel: str
    kind: str
    language: str
    occupation_text: str | None
    country: str | None
    occupation_id: str | None
    occupation_score: float | None
    regulated: bool | None
    land: str | None
    authority: str | None
    centre_id: str
    contact_channel: str
    contact_value: str | None
    consent_at: datetime


def new_ref() -> str:
    """A short case reference people can quote ("LT-7KQ4M2")."""
    return "LT-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def create_handoff(
    sheet: CaseSheet, transcript: list[dict[str, Any]], url: str | None = None
) -> str:
    """Store the case sheet and transcript; return the case reference."""
    ref = new_ref()
    regulated = None if sheet.regulated is None else ("yes" if sheet.regulated else "no")
    with session_scope(url) as session:
        session.add(
            Handoff(
                ref=ref,
                sender_id=sheet.sender_id,
                channel=sheet.channel,
                kind=sheet.kind,
                language=sheet.language,
                occupation_text=sheet.occupation_text,
                country=sheet.country,
                occupation_id=sheet.occupation_id,
                occupation_score=sheet.occupation_score,
                regulated=regulated,
                land=sheet.land,
                authority=sheet.authority,
                centre_id=sheet.centre_id,
                contact_channel=sheet.contact_channel,
                contact_value=sheet.contact_value,
                consent_at=sheet.consent_at,
                created_at=datetime.now(timezone.utc),
                transcript=json.dumps(transcript, ensure_ascii=False),
            )
        )
    return ref


def delete_handoff(ref: str, sender_id: str, url: str | None = None) -> bool:
    """Delete one hand-off of this sender (cancellation). True if there was one."""
    with session_scope(url) as session:
        result = session.execute(
            delete(Handoff).where(Handoff.ref == ref, Handoff.sender_id == sender_id)
        )
        return result.rowcount > 0


def delete_conversation(sender_id: str, url: str | None = None) -> int:
    """Delete every hand-off of this sender (a deletion request). Returns how many."""
    with session_scope(url) as session:
        return session.execute(delete(Handoff).where(Handoff.sender_id == sender_id)).rowcount


def handoffs_of(sender_id: str, url: str | None = None) -> list[Handoff]:
    """The hand-offs of one sender, oldest first (detached copies)."""
    with session_scope(url) as session:
        rows = session.execute(
            select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id)
        ).scalars()
        found = list(rows)
        session.expunge_all()
        return found
