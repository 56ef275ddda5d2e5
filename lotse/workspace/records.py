"""Deleting a case with everything that belongs to its conversation.

What `delete_case` removes, for the case's sender (one person's conversation):
- the tracker events in Rasa (`RasaClient.erase(sender_id)`), first;
- every hand-off of that sender (a person may have been handed off twice), with its notes, tags
  and outbound messages (also outbound messages stored only by `sender_id`);
- nothing else: the audit log keeps one "delete" entry per deleted reference, without personal data.

When Rasa cannot be reached, nothing is deleted and `DeletionFailed` says so: the tracker is
erased before any row goes, so a deletion never half-happens silently. The counsellor sees the
message and tries again; retention tries again an hour later. Erasing an already empty tracker is
harmless, so a retry after a failure between the two steps completes the deletion.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseNote, CaseTag, OutboundMessage, User
from lotse.web.rasa_client import ConversationNotFound
from lotse.workspace.deps import audit

logger = logging.getLogger(__name__)

AUDIT_DELETE = "delete"


class TrackerEraser(Protocol):
    """The part of `lotse.web.rasa_client.RasaClient` that deletion needs."""

    async def erase(self, sender_id: str) -> Any:
        """Delete every tracker event of this conversation (raises RasaUnavailable on failure)."""


class DeletionFailed(Exception):
    """The conversation could not be erased in Rasa; nothing was deleted."""


async def erase_tracker(rasa: TrackerEraser, sender_id: str) -> None:
    """Erase the conversation in Rasa or raise `DeletionFailed` (any failure, never silently)."""
    try:
        result = await rasa.erase(sender_id)
    except ConversationNotFound:  # nothing (left) to erase
        return
    except Exception as error:  # RasaUnavailable, HTTP or protocol errors alike
        raise DeletionFailed(type(error).__name__) from error
    if result is False:
        raise DeletionFailed("erase refused")


def conversation_cases(db: Session, sender_id: str) -> list[Handoff]:
    """Every hand-off of one conversation, oldest first."""
    return list(
        db.scalars(select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id))
    )


def delete_rows(db: Session, sender_id: str) -> list[str]:
    """Delete the app database rows of one conversation (not committed). Returns the references."""
    cases = conversation_cases(db, sender_id)
    ids = [case.id for case in cases]
    if ids:
        db.execute(delete(CaseNote).where(CaseNote.handoff_id.in_(ids)))
        db.execute(delete(CaseTag).where(CaseTag.handoff_id.in_(ids)))
    condition = OutboundMessage.sender_id == sender_id
    if ids:
        condition = or_(condition, OutboundMessage.handoff_id.in_(ids))
    db.execute(delete(OutboundMessage).where(condition))
    db.execute(delete(Handoff).where(Handoff.sender_id == sender_id))
    return [case.ref for case in cases]


async def delete_case(
    db: Session,
    rasa: TrackerEraser,
    case: Handoff,
    user: User | None = None,
    reason: str = "request",
) -> list[str]:
    """Delete `case`'s whole conversation (see the module docstring); audit it; commit.

    Args:
        db: The session; committed here, so the deletion is final when this returns.
        rasa: The Rasa client (`erase`).
        case: Any hand-off of the conversation.
        user: Who deleted it (None: the app itself, e.g. retention).
        reason: A short fixed word for the audit detail ("request", "retention").

    Returns:
        The references of the deleted hand-offs.

    Raises:
        DeletionFailed: Rasa could not erase the tracker; nothing was deleted.
    """
    sender_id = case.sender_id
    await erase_tracker(rasa, sender_id)
    refs = delete_rows(db, sender_id)
    for ref in refs:
        audit(db, user, AUDIT_DELETE, ref, reason)
    db.commit()
    logger.info("deleted a conversation with %d hand-off(s) (%s)", len(refs), reason)
    return refs
