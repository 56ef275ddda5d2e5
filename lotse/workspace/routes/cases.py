"""The case view and the case work: state, assignment, tags, notes, the "reviewed" flag.

GET /workspace/cases/{ref} shows the case sheet, the whole conversation (live from Rasa through
`RasaClient.transcript`, else the transcript stored with the hand-off, which the page says) and
the forms of the take-over (routes/takeover.py) and records (routes/records.py). Every POST needs
the CSRF token, is audited and answers 303 back to the case view. Another centre's case, and
another counsellor's note, are a 404.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lotse.store.db import utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import CaseNote, CaseStatus, CaseTag, OutboundMessage, User
from lotse.workspace import cases, takeover
from lotse.workspace.deps import CsrfChecked, CurrentUser, DbSession, audit, case_for
from lotse.workspace.labels import STATUS_LABELS
from lotse.workspace.templating import render

logger = logging.getLogger(__name__)
router = APIRouter()

EVENT_LABELS = {
    "paused": "Lotse pausiert – die Beratung schreibt",
    "resumed": "Lotse antwortet wieder",
}
NOTICE_LABELS = {"takeover": "Hinweis: Beratung übernimmt", "handback": "Hinweis: Lotse übernimmt"}


def _back(ref: str, notice: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/workspace/cases/{ref}?ok={notice}{anchor}", status_code=303)


def _touch(case: Handoff) -> None:
    case.updated_at = utcnow()


async def _live_transcript(request: Request, case: Handoff) -> list[dict[str, Any]] | None:
    """The conversation from Rasa's tracker, None when Rasa cannot give it."""
    rasa = getattr(request.app.state, "rasa_client", None)
    fetch = getattr(rasa, "transcript", None)
    if fetch is None:
        return None
    try:
        turns = await fetch(case.sender_id)
    except Exception as error:  # the page still works from the stored transcript
        logger.warning("Transcript not available: %s", type(error).__name__)
        return None
    return [turn for turn in turns if isinstance(turn, dict)] if isinstance(turns, list) else None


def _fallback_transcript(db: Session, case: Handoff, people: dict[int, User]) -> list[dict]:
    """The stored transcript plus what counsellors sent since (OutboundMessage)."""
    turns = cases.stored_transcript(case)
    sent = db.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.handoff_id == case.id)
        .order_by(OutboundMessage.id)
    )
    for message in sent:
        author = people.get(message.author_id) if message.author_id else None
        turns.append(
            {
                "role": "counsellor",
                "text": message.text,
                "at": message.created_at.isoformat() if message.created_at else None,
                "language": None,
                "author": author.name if author else None,
                "notice": message.kind if message.kind != "counsellor" else None,
            }
        )
    return turns


def _own_note(db: Session, case: Handoff, user: User, note_id: int) -> CaseNote:
    """A note of this case written by `user`; 404 for anyone else's (or another case's)."""
    note = db.get(CaseNote, note_id)
    if note is None or note.handoff_id != case.id or note.author_id != user.id:
        raise HTTPException(status_code=404)
    return note


@router.get("/cases/{ref}", response_class=HTMLResponse)
async def case_view(request: Request, ref: str, db: DbSession, user: CurrentUser) -> HTMLResponse:
    """The case sheet, the conversation and the case work."""
    case = case_for(db, user, ref)
    notes = list(
        db.scalars(select(CaseNote).where(CaseNote.handoff_id == case.id).order_by(CaseNote.id))
    )
    counsellors = cases.centre_counsellors(db, case.centre_id)
    wanted = {case.assignee_id, case.taken_over_by, *(note.author_id for note in notes)}
    people = cases.users_by_id(db, {user_id for user_id in wanted if user_id})
    live = await _live_transcript(request, case)
    if live is None:
        people.update(cases.users_by_id(db, _outbound_authors(db, case)))
    audit(db, user, "view", case.ref)
    return render(
        request,
        "case.html",
        {
            "nav": "inbox",
            "case": case,
            "transcript": live if live is not None else _fallback_transcript(db, case, people),
            "live": live is not None,
            "notes": notes,
            "tags": cases.tags_of(db, [case.id])[case.id],
            "counsellors": counsellors,
            "people": people,
            "occupation": cases.occupation_name(case.occupation_id),
            "centre": cases.centre_name(case.centre_id),
            "event_labels": EVENT_LABELS,
            "notice_labels": NOTICE_LABELS,
            "reply_max": takeover.MAX_REPLY_LENGTH,
        },
    )


def _outbound_authors(db: Session, case: Handoff) -> set[int]:
    return {
        author
        for author in db.scalars(
            select(OutboundMessage.author_id).where(OutboundMessage.handoff_id == case.id)
        )
        if author
    }


@router.post("/cases/{ref}/status", dependencies=[CsrfChecked])
async def change_status(
    request: Request, ref: str, db: DbSession, user: CurrentUser, status: str = Form("")
) -> Response:
    """Set the state; closing records closed_at and gives a paused conversation back to Lotse."""
    case = case_for(db, user, ref)
    if status not in STATUS_LABELS:
        raise HTTPException(status_code=400, detail="unknown state")
    warning = None
    if status == CaseStatus.CLOSED.value and case.taken_over_by is not None:
        try:
            warning = await _hand_back(request, db, case, user)
        except takeover.TakeoverError as error:
            message = f"{error.message} Der Fall bleibt offen, bis Lotse wieder antworten kann."
            return _message(request, case, message, 503)
    case.status = status
    case.closed_at = utcnow() if status == CaseStatus.CLOSED.value else None
    _touch(case)
    audit(db, user, "change", case.ref, f"status={status}")
    if warning:
        return _message(request, case, warning, 200, notice="Fall abgeschlossen.")
    return _back(case.ref, "status")


async def _hand_back(request: Request, db: Session, case: Handoff, user: User) -> str | None:
    """Let Lotse answer again before the case is closed; a warning if the person was not told."""
    rasa = request.app.state.rasa_client
    telegram = getattr(request.app.state, "telegram", None)
    return await takeover.hand_back(db, rasa, telegram, case, user)


def _message(
    request: Request, case: Handoff, error: str, status_code: int, notice: str = ""
) -> HTMLResponse:
    """A short page: what went wrong (or needs attention), and the way back to the case."""
    context = {"case": case, "error": error, "notice": notice}
    return render(request, "case_message.html", context, status_code=status_code)


@router.post("/cases/{ref}/assign", dependencies=[CsrfChecked])
async def assign(
    ref: str, db: DbSession, user: CurrentUser, assignee: str = Form("")
) -> RedirectResponse:
    """Assign the case to a counsellor of its centre ("" = nobody, "me" = oneself)."""
    case = case_for(db, user, ref)
    if assignee == "":
        case.assignee_id = None
    else:
        wanted = user.id if assignee == "me" else _int(assignee)
        members = {member.id for member in cases.centre_counsellors(db, case.centre_id)}
        if wanted not in members:
            raise HTTPException(status_code=400, detail="not a counsellor of this centre")
        case.assignee_id = wanted
    _touch(case)
    audit(db, user, "change", case.ref, f"assignee={case.assignee_id or '-'}")
    return _back(case.ref, "assigned")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise HTTPException(status_code=400, detail="not a number") from None


@router.post("/cases/{ref}/reviewed", dependencies=[CsrfChecked])
async def set_reviewed(
    ref: str, db: DbSession, user: CurrentUser, reviewed: str = Form("")
) -> RedirectResponse:
    """Mark the case as reviewed ("1") or not ("0")."""
    case = case_for(db, user, ref)
    case.reviewed = reviewed == "1"
    _touch(case)
    audit(db, user, "change", case.ref, f"reviewed={int(case.reviewed)}")
    return _back(case.ref, "reviewed" if case.reviewed else "unreviewed")


@router.post("/cases/{ref}/tags", dependencies=[CsrfChecked])
async def add_tag(
    ref: str, db: DbSession, user: CurrentUser, tag: str = Form("")
) -> RedirectResponse:
    """Add a tag (blanks collapsed, at most 40 characters; a tag already there is kept once)."""
    case = case_for(db, user, ref)
    text = cases.clean_tag(tag)
    if not text:
        raise HTTPException(status_code=400, detail="empty tag")
    present = cases.tags_of(db, [case.id])[case.id]
    if text not in present:
        if len(present) >= cases.MAX_TAGS_PER_CASE:
            raise HTTPException(status_code=400, detail="too many tags")
        db.add(CaseTag(handoff_id=case.id, tag=text))
        _touch(case)
        audit(db, user, "change", case.ref, "tag-added")
    return _back(case.ref, "tagged", "#tags")


@router.post("/cases/{ref}/tags/remove", dependencies=[CsrfChecked])
async def remove_tag(
    ref: str, db: DbSession, user: CurrentUser, tag: str = Form("")
) -> RedirectResponse:
    """Remove a tag from the case."""
    case = case_for(db, user, ref)
    found = db.scalars(
        select(CaseTag).where(CaseTag.handoff_id == case.id, CaseTag.tag == tag)
    ).first()
    if found is not None:
        db.delete(found)
        _touch(case)
        audit(db, user, "change", case.ref, "tag-removed")
    return _back(case.ref, "untagged", "#tags")


def _note_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise HTTPException(status_code=400, detail="empty note")
    if len(text) > cases.MAX_NOTE_LENGTH:
        raise HTTPException(status_code=400, detail="note too long")
    return text


@router.post("/cases/{ref}/notes", dependencies=[CsrfChecked])
async def add_note(
    ref: str, db: DbSession, user: CurrentUser, text: str = Form("")
) -> RedirectResponse:
    """Add a private note (seen by the centre's counsellors, never by the person)."""
    case = case_for(db, user, ref)
    note = CaseNote(
        handoff_id=case.id, author_id=user.id, text=_note_text(text), created_at=utcnow()
    )
    db.add(note)
    db.flush()
    _touch(case)
    audit(db, user, "change", case.ref, f"note-added={note.id}")
    return _back(case.ref, "note-added", "#notes")


@router.post("/cases/{ref}/notes/{note_id}/edit", dependencies=[CsrfChecked])
async def edit_note(
    ref: str, note_id: int, db: DbSession, user: CurrentUser, text: str = Form("")
) -> RedirectResponse:
    """Change one's own note."""
    case = case_for(db, user, ref)
    note = _own_note(db, case, user, note_id)
    note.text = _note_text(text)
    note.updated_at = utcnow()
    audit(db, user, "change", case.ref, f"note-changed={note.id}")
    return _back(case.ref, "note-changed", "#notes")


@router.post("/cases/{ref}/notes/{note_id}/delete", dependencies=[CsrfChecked])
async def delete_note(ref: str, note_id: int, db: DbSession, user: CurrentUser) -> RedirectResponse:
    """Delete one's own note."""
    case = case_for(db, user, ref)
    note = _own_note(db, case, user, note_id)
    db.delete(note)
    audit(db, user, "change", case.ref, f"note-deleted={note_id}")
    return _back(case.ref, "note-deleted", "#notes")
