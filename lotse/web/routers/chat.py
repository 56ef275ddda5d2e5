"""The public chat API: POST /api/chat, and GET /api/chat/updates for counsellors' messages."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lotse import languages
from lotse.store.db import as_utc, session_scope, utcnow
from lotse.store.handoffs import Handoff
from lotse.store.workspace import OutboundMessage
from lotse.web.deps import RasaClientDep
from lotse.web.idempotency import IdempotencyStoreDep
from lotse.web.messages import TRY_AGAIN
from lotse.web.rasa_client import RasaUnavailable
from lotse.web.ratelimit import RateLimitsDep, chat_body, retry_after
from lotse.web.schemas import (
    Button,
    ChatRequest,
    ChatResponse,
    Message,
    Update,
    UpdatesResponse,
)
from lotse.workspace.deps import DbSession

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["chat"])

#: Rasa sender ids are namespaced by channel, so a web session can never continue a Telegram chat.
WEB_SENDER_PREFIX = "web-"
#: Most messages one GET /api/chat/updates returns (the widget asks again for the rest).
MAX_UPDATES = 50
SESSION_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"


def to_message(rasa_message: dict) -> Message | None:
    """Convert one Rasa bot message to the API's form (None for messages without text)."""
    text = rasa_message.get("text")
    if not text:
        return None
    buttons = [
        Button(title=str(button.get("title", "")), payload=str(button.get("payload", "")))
        for button in rasa_message.get("buttons") or []
    ]
    return Message(text=text, buttons=buttons)


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        429: {"model": ChatResponse, "description": "Too many messages; 'wait a moment'"},
        503: {"model": ChatResponse, "description": "Rasa unavailable; 'try again'"},
    },
)
async def chat(
    request: ChatRequest,
    rasa: RasaClientDep,
    answers: IdempotencyStoreDep,
    limits: RateLimitsDep,
    http: Request,
) -> ChatResponse | JSONResponse:
    """Send one message to Lotse and get its answer in the conversation's language.

    With a `message_id`, a resent message is answered from memory and not sent to Rasa again.
    Too many messages in one session get 429 with Retry-After ("please wait a moment").
    """
    if wait := await limits.per_session.acquire(request.session_id):
        language = languages.decide(request.text, None, hint=request.language)
        return JSONResponse(
            status_code=429, content=chat_body(language), headers={"Retry-After": retry_after(wait)}
        )
    metadata = {"channel": "web"}
    if request.language:
        metadata["language_hint"] = request.language
    if request.message_id:
        metadata["message_id"] = request.message_id

    async def answer() -> ChatResponse:
        reply = await rasa.send(WEB_SENDER_PREFIX + request.session_id, request.text, metadata)
        if reply.resumed:  # a deletion request ended a take-over: the workspace must know
            await asyncio.to_thread(
                end_takeover_by_person,
                http.app.state.settings.database_url,
                WEB_SENDER_PREFIX + request.session_id,
            )
        language = reply.language if reply.language in languages.SUPPORTED else None
        language = language or languages.decide(request.text, None, hint=request.language)
        messages = [m for m in map(to_message, reply.messages) if m is not None]
        return ChatResponse(language=language, messages=messages)

    try:
        if request.message_id:
            return await answers.run((request.session_id, request.message_id), answer)
        return await answer()
    except RasaUnavailable as error:
        logger.warning("Rasa unavailable for a web message: %s", error)
        language = languages.decide(request.text, None, hint=request.language)
        body = ChatResponse(language=language, messages=[Message(text=TRY_AGAIN[language])])
        return JSONResponse(status_code=503, content=body.dict())


def end_takeover_by_person(database_url: str, sender_id: str) -> None:
    """Mark the person's cases as no longer taken over (the bot answers again)."""
    from lotse.workspace.takeover import note_resumed_by_person

    with session_scope(database_url) as db:
        note_resumed_by_person(db, sender_id)


@router.get("/chat/updates", response_model=UpdatesResponse)
def updates(
    db: DbSession,
    session_id: Annotated[str, Query(min_length=1, max_length=128, regex=SESSION_ID_PATTERN)],
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
) -> UpdatesResponse:
    """Messages from the counselling centre for this chat session with an id above `after`.

    The widget polls this while its page is visible. Only this session's messages of hand-offs
    that still exist are returned, oldest first, at most 50 at a time; `counsellor` says whether
    a counsellor is writing now (then Lotse does not answer, the messages go to the counsellor).
    """
    sender = WEB_SENDER_PREFIX + session_id
    rows = list(
        db.scalars(
            select(OutboundMessage)
            .join(Handoff, Handoff.id == OutboundMessage.handoff_id)
            .where(OutboundMessage.sender_id == sender, OutboundMessage.id > after)
            .order_by(OutboundMessage.id)
            .limit(MAX_UPDATES)
        )
    )
    now = utcnow()
    for row in rows:
        if row.delivered_at is None:
            row.delivered_at = now
    return UpdatesResponse(
        messages=[
            Update(id=row.id, kind=row.kind, text=row.text, at=as_utc(row.created_at).isoformat())
            for row in rows
        ],
        counsellor=_taken_over(db, sender),
    )


def _taken_over(db: Session, sender: str) -> bool:
    return bool(
        db.scalar(
            select(exists().where(Handoff.sender_id == sender, Handoff.taken_over_by.is_not(None)))
        )
    )
